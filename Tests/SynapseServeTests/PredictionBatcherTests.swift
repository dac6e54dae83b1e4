import Foundation
import SynapseJobs
import Testing
@testable import SynapseServe

@Suite(.onOwnThreads) struct PredictionBatcherTests {
    private func makeBatcher(_ model: EchoModel, maxBatch: Int = 64, delayMicroseconds: Int = 0, maxQueued: Int = 8192,
                         workers: Int = 2) -> PredictionBatcher {
        PredictionBatcher(model: model, name: "echo/1", maxBatch: maxBatch, maxDelayMicroseconds: delayMicroseconds,
                          maxQueuedRows: maxQueued, workers: workers)
    }

    @Test func concurrentRequestsGetExactlyTheirOwnAnswers() async throws {
        let model = EchoModel(task: .regression, delay: 0.002)
        let batcher = makeBatcher(model, maxBatch: 16)
        defer { batcher.stop() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in 0..<200 {
                group.addTask {
                    let count = request % 3 + 1
                    let rows = (0..<count).flatMap { [Float(request), Float($0)] }
                    let answers = try await batcher.predict(rows: rows, count: count, timeout: 10)
                    #expect(answers.map(\.values) == (0..<count).map { [Double(request) * 1000 + Double($0)] })
                }
            }
            try await group.waitForAll()
        }
        let sizes = model.recordedBatchSizes
        let sentRows: Int = (0..<200).map { $0 % 3 + 1 }.reduce(0, +)
        #expect(sizes.reduce(0, +) == sentRows)
        #expect(sizes.allSatisfy { $0 <= 16 })
        #expect(sizes.contains { $0 > 3 }, "no batch of several requests formed under load: \(sizes.prefix(20))")
    }

    @Test func requestLargerThanMaxBatchRunsWholeAndAlone() async throws {
        let model = EchoModel(task: .regression)
        let batcher = makeBatcher(model, maxBatch: 4)
        defer { batcher.stop() }
        let rows = (0..<10).flatMap { [Float(7), Float($0)] }
        let answers = try await batcher.predict(rows: rows, count: 10, timeout: 5)
        #expect(answers.count == 10)
        #expect(model.recordedBatchSizes == [10])
    }

    @Test func loneRequestIsNotDelayed() async throws {
        let model = EchoModel(task: .regression)
        let batcher = makeBatcher(model, delayMicroseconds: 0)
        defer { batcher.stop() }
        _ = try await batcher.predict(rows: [1, 2], count: 1, timeout: 5)   // warm the threads
        let start = ContinuousClock.now
        for _ in 0..<20 { _ = try await batcher.predict(rows: [1, 2], count: 1, timeout: 5) }
        // Generous for a loaded 2-core CI machine; a worker that waited or polled would take seconds.
        #expect(ContinuousClock.now - start < .milliseconds(2000))
    }

    @Test func maxDelayWaitsForMoreRows() async throws {
        let model = EchoModel(task: .regression)
        let batcher = makeBatcher(model, maxBatch: 8, delayMicroseconds: 200_000, workers: 1)
        defer { batcher.stop() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 { group.addTask { _ = try await batcher.predict(rows: [Float(i), 0], count: 1, timeout: 5) } }
            try await group.waitForAll()
        }
        #expect(model.recordedBatchSizes.count < 8, "the delay gathered no rows: \(model.recordedBatchSizes)")
    }

    @Test func fullQueueIsRefused() async throws {
        let model = EchoModel(task: .regression, delay: 2.0)
        let batcher = makeBatcher(model, maxQueued: 2, workers: 1)
        defer { batcher.stop() }
        let first = Task(executorPreference: DedicatedThreadsExecutor.shared) {
            try await batcher.predict(rows: [1, 1], count: 1, timeout: 10)
        }
        try await waitUntil { model.recordedBatchSizes == [1] }         // the worker is now busy with the first
        let second = Task(executorPreference: DedicatedThreadsExecutor.shared) {
            try await batcher.predict(rows: [2, 2, 3, 3], count: 2, timeout: 10)
        }
        try await waitUntil { batcher.queueDepth == 2 }                  // the queue is now full
        await #expect(throws: ServeError.self) { _ = try await batcher.predict(rows: [4, 4], count: 1, timeout: 5) }
        _ = try await first.value
        _ = try await second.value
    }

    @Test func timeoutAnswersAndTheRowsAreDropped() async throws {
        let model = EchoModel(task: .regression, delay: 2.0)
        let batcher = makeBatcher(model, workers: 1)
        defer { batcher.stop() }
        let busy = Task(executorPreference: DedicatedThreadsExecutor.shared) {
            try await batcher.predict(rows: [1, 1], count: 1, timeout: 10)
        }
        try await waitUntil { model.recordedBatchSizes == [1] }
        await #expect(throws: ServeError.self) { _ = try await batcher.predict(rows: [2, 2], count: 1, timeout: 0.5) }
        _ = try await busy.value
        try await Task.sleep(for: .milliseconds(300))
        #expect(model.recordedBatchSizes == [1], "the timed-out request still ran")
    }
}

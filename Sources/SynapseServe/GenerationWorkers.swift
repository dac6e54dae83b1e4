import Foundation
import SynapseCore
import SynapseJobs

/// Runs one loaded language model's `:generate` requests on its own worker threads, one request
/// at a time per thread (generation is sequential and cannot be batched across prompts).
final class GenerationWorkers: @unchecked Sendable {
    // @unchecked: the queue is only touched under `condition`.
    /// The model.
    let model: any ServableLanguageModel
    private let maxQueued: Int
    private let condition = NSCondition()
    private var queue: [(GenerationRequest, AnswerSlot<String>)] = []
    private var stopped = false

    /// Workers for `model`; at most `maxQueued` requests wait. `serialWorkers` runs each
    /// generation on its worker thread alone (see `ServerConfiguration.batchesUseThreadPool`).
    init(model: any ServableLanguageModel, name: String, workers: Int, serialWorkers: Bool = true, maxQueued: Int) {
        self.model = model
        self.maxQueued = maxQueued
        for index in 0..<workers {
            let suffix = " \(index)"
            let threadName = String("gen \(name)".prefix(15 - suffix.count)) + suffix
            let thread = Thread { [self] in
                ThreadPool.nameCallingThread(threadName)
                if serialWorkers { ThreadPool.setCallingThreadSerial(true) }
                self.work()
            }
            thread.start()
        }
    }

    /// Requests waiting for a worker.
    var queueDepth: Int { condition.withLock { queue.count } }

    /// The generated text, waiting at most `timeout` seconds.
    /// - Throws: `InstanceError` from the model, `ServeError.queueFull`, `.shuttingDown`, `.timeout`.
    func generate(_ request: GenerationRequest, timeout: Double) async throws -> String {
        let slot = AnswerSlot<String>()
        try condition.withLock {
            guard !stopped else { throw ServeError.shuttingDown }
            guard queue.count < maxQueued else { throw ServeError.queueFull(limit: maxQueued) }
            queue.append((request, slot))
            condition.signal()
        }
        return try await slot.value(timeout: timeout)
    }

    /// Lets the workers finish what is queued, then end.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty { condition.unlock(); return }
            let (request, slot) = queue.removeFirst()
            condition.unlock()
            if slot.isCompleted { continue }
            do throws(InstanceError) {
                slot.complete(.success(try model.generate(request)))
            } catch {
                slot.complete(.failure(error))
            }
        }
    }
}

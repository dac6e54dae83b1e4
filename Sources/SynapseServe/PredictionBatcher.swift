import Foundation
import SynapseCore
import SynapseJobs

/// Runs one loaded model version's predictions in batches on its own worker threads.
///
/// Requests enqueue their prepared rows; a free worker takes queued requests in arrival order up
/// to `maxBatch` rows (a larger request alone, never split), calls `predict` once and hands each
/// request its own slice. With `maxDelayMicroseconds` 0 a worker runs whatever is queued at once,
/// so batches form only while all workers are busy and a lone request is never delayed.
final class PredictionBatcher: @unchecked Sendable {
    // @unchecked: the queue and counters are only touched under `condition`.
    /// The model.
    let model: any ServableModel
    private let maxBatch: Int
    private let maxDelay: Double
    private let maxQueuedRows: Int
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queuedRows = 0
    private var stopped = false
    private let onBatch: @Sendable (_ rows: Int, _ queuedRows: Int) -> Void
    private let onAnswered: @Sendable (_ rows: ArraySlice<Float>, _ count: Int, _ predictions: ArraySlice<ServedPrediction>) -> Void

    /// One waiting request.
    private struct Pending {
        var rows: [Float]
        var count: Int
        var slot: AnswerSlot<[ServedPrediction]>
    }

    /// A batcher with `workers` threads; `serialWorkers` runs each batch on its worker thread alone
    /// (see `ServerConfiguration.batchesUseThreadPool`). `onBatch` hears each batch's size and the rows left
    /// queued (metrics); `onAnswered` each request's rows and predictions after it was answered
    /// (drift, shadow), on the worker thread.
    init(model: any ServableModel, name: String, maxBatch: Int, maxDelayMicroseconds: Int, maxQueuedRows: Int, workers: Int,
         serialWorkers: Bool = true,
         onBatch: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
         onAnswered: @escaping @Sendable (ArraySlice<Float>, Int, ArraySlice<ServedPrediction>) -> Void = { _, _, _ in }) {
        self.model = model
        self.maxBatch = maxBatch
        self.maxDelay = Double(maxDelayMicroseconds) / 1e6
        self.maxQueuedRows = maxQueuedRows
        self.onBatch = onBatch
        self.onAnswered = onAnswered
        for index in 0..<workers {
            // Linux keeps 15 bytes of a thread name: "batch fashion/1" shows in top -H and perf.
            let suffix = workers > 1 ? " \(index)" : ""
            let threadName = String("batch \(name)".prefix(15 - suffix.count)) + suffix
            let thread = Thread { [self] in
                ThreadPool.nameCallingThread(threadName)
                if serialWorkers { ThreadPool.setCallingThreadSerial(true) }
                self.work()
            }
            thread.start()
        }
    }

    /// Rows waiting for a worker.
    var queueDepth: Int { condition.withLock { queuedRows } }

    /// Queues `count` prepared rows and waits (at most `timeout` seconds) for their predictions.
    /// - Throws: `ServeError.queueFull` when the queue holds too many rows, `.shuttingDown` after
    ///   `stop()`, `.timeout`.
    func predict(rows: [Float], count: Int, timeout: Double) async throws -> [ServedPrediction] {
        let slot = AnswerSlot<[ServedPrediction]>()
        try enqueue(Pending(rows: rows, count: count, slot: slot))
        return try await slot.value(timeout: timeout)
    }

    /// Queues `count` prepared rows without waiting: `completion` hears their predictions (or the
    /// error) on the worker thread that ran them, or at once if they cannot be queued. For work
    /// nobody awaits, such as shadow comparisons: no task is created, so it needs no thread of
    /// Swift concurrency's pool.
    func submit(rows: [Float], count: Int, timeout: Double,
                completion: @escaping @Sendable (Result<[ServedPrediction], any Error>) -> Void) {
        let slot = AnswerSlot<[ServedPrediction]>(onComplete: completion)
        do {
            slot.setTimeout(timeout)
            try enqueue(Pending(rows: rows, count: count, slot: slot))
            DeadlineSweeper.shared.watch(slot, seconds: timeout)
        } catch {
            slot.complete(.failure(error))
        }
    }

    private func enqueue(_ pending: Pending) throws {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { throw ServeError.shuttingDown }
        guard queuedRows + pending.count <= maxQueuedRows else {
            throw ServeError.queueFull(limit: maxQueuedRows)
        }
        queue.append(pending)
        queuedRows += pending.count
        condition.signal()
    }

    /// Lets the workers finish what is queued, then end; later requests are refused.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    /// A worker thread's loop.
    private func work() {
        while let batch = nextBatch() {
            run(batch)
        }
    }

    /// The next requests to run together (nil once stopped and drained).
    private func nextBatch() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopped { return nil }
            condition.wait()
        }
        if maxDelay > 0 && queuedRows < maxBatch && !stopped {
            let deadline = Date(timeIntervalSinceNow: maxDelay)
            while queuedRows < maxBatch && !stopped && !queue.isEmpty && condition.wait(until: deadline) {}
            if queue.isEmpty { return [] }
        }
        var taken: [Pending] = [], rows = 0
        // Requests whose caller already gave up (timeout) are dropped unrun.
        while let first = queue.first, taken.isEmpty || rows + first.count <= maxBatch {
            queue.removeFirst()
            queuedRows -= first.count
            if first.slot.isCompleted { continue }
            taken.append(first)
            rows += first.count
        }
        return taken
    }

    private func run(_ batch: [Pending]) {
        guard !batch.isEmpty else { return }
        let count = batch.reduce(0) { $0 + $1.count }
        onBatch(count, queueDepth)
        var rows: [Float] = []
        rows.reserveCapacity(count * model.info.rowWidth)
        for pending in batch { rows += pending.rows }
        let predictions = model.predict(rows: rows, count: count)
        guard predictions.count == count else {
            let error = ServeError.internalError("model returned \(predictions.count) predictions for \(count) rows")
            for pending in batch { pending.slot.complete(.failure(error)) }
            return
        }
        var start = 0
        for pending in batch {
            let answer = predictions[start..<start + pending.count]
            pending.slot.complete(.success(Array(answer)))
            onAnswered(pending.rows[...], pending.count, answer)
            start += pending.count
        }
    }
}

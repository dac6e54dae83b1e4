import Foundation

/// Where one request's answer arrives: a worker thread, the `DeadlineSweeper` or shutdown completes
/// it, whichever comes first; later completions are ignored. The request task awaits it.
final class AnswerSlot<Value: Sendable>: ExpiringAnswer, @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var continuation: CheckedContinuation<Value, any Error>?
    private var timeout: Double = 0

    /// True once an answer (or error) is in.
    var isCompleted: Bool { lock.withLock { result != nil } }

    /// Delivers `result` unless an earlier one came first.
    func complete(_ result: Result<Value, any Error>) {
        let waiting: CheckedContinuation<Value, any Error>? = lock.withLock {
            guard self.result == nil else { return nil }
            self.result = result
            defer { continuation = nil }
            return continuation
        }
        guard let waiting else { return }
        DeadlineSweeper.shared.forget(self)
        waiting.resume(with: result)
    }

    /// Called by the sweeper once the deadline has passed.
    func expire() {
        complete(.failure(ServeError.timeout(seconds: lock.withLock { timeout })))
    }

    /// The answer, waiting at most `timeout` seconds (then `ServeError.timeout`).
    ///
    /// The deadline is kept by the one shared `DeadlineSweeper` thread rather than a timer task per
    /// request: creating, scheduling and cancelling a task cost more than the whole inference of a
    /// small model, and woke a second thread for every request.
    func value(timeout: Double) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Value, any Error>? = lock.withLock {
                if let result { return result }
                self.continuation = continuation
                self.timeout = timeout
                return nil
            }
            if let ready {
                continuation.resume(with: ready)
            } else {
                DeadlineSweeper.shared.watch(self, seconds: timeout)
            }
        }
    }
}

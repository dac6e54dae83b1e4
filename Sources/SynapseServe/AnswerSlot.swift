import Foundation

/// Where one request's answer arrives: a worker thread, the `DeadlineSweeper` or shutdown completes
/// it, whichever comes first; later completions are ignored. The request task awaits it.
final class AnswerSlot<Value: Sendable>: ExpiringAnswer, @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var continuation: CheckedContinuation<Value, any Error>?
    private var timeout: Double = 0
    private let onComplete: (@Sendable (Result<Value, any Error>) -> Void)?

    /// A slot a task awaits with `value(timeout:)`, or, with `onComplete`, one that calls it with
    /// the result on the completing thread instead (nothing awaits it).
    init(onComplete: (@Sendable (Result<Value, any Error>) -> Void)? = nil) {
        self.onComplete = onComplete
    }

    /// True once an answer (or error) is in.
    var isCompleted: Bool { lock.withLock { result != nil } }

    /// Delivers `result` unless an earlier one came first.
    func complete(_ result: Result<Value, any Error>) {
        let (first, waiting): (Bool, CheckedContinuation<Value, any Error>?) = lock.withLock {
            guard self.result == nil else { return (false, nil) }
            self.result = result
            defer { continuation = nil }
            return (true, continuation)
        }
        // Nobody waiting yet means the sweeper was never told: skip its lock.
        guard first, onComplete != nil || waiting != nil else { return }
        DeadlineSweeper.shared.forget(self)
        onComplete?(result)
        waiting?.resume(with: result)
    }

    /// Called by the sweeper once the deadline has passed.
    func expire() {
        complete(.failure(ServeError.timeout(seconds: lock.withLock { timeout })))
    }

    /// Records the timeout a `submit`ted slot is watched with (for the error it expires with).
    func setTimeout(_ seconds: Double) { lock.withLock { timeout = seconds } }

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

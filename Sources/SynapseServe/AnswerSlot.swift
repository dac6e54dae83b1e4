import Foundation

/// Where one request's answer arrives: a worker thread, the request timer or shutdown completes it,
/// whichever comes first; later completions are ignored. The request task awaits it.
final class AnswerSlot<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var continuation: CheckedContinuation<Value, any Error>?

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
        waiting?.resume(with: result)
    }

    /// The answer, waiting at most `timeout` seconds (then `ServeError.timeout`).
    func value(timeout: Double) async throws -> Value {
        let timer = Task { [weak self] in
            try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
            self?.complete(.failure(ServeError.timeout(seconds: timeout)))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Value, any Error>? = lock.withLock {
                if let result { return result }
                self.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

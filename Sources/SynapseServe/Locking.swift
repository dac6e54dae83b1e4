import Foundation

extension NSLocking {
    /// Runs `body` holding the lock, keeping `body`'s typed error (Foundation's `withLock` widens
    /// it to `any Error`).
    func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}

import Synchronization

/// A thread-safe least-recently-used cache of a bounded number of entries, for backend objects that
/// are slow to create (oneDNN primitives). Evicted values are released outside the lock; a caller
/// that still holds one (a reference type) keeps it alive until it is done with it.
final class LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Slot {
        var value: Value
        var lastUse: UInt64
    }

    private struct State: ~Copyable {
        var slots: [Key: Slot] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Entries kept at most.
    let capacity: Int

    /// A cache of at most `capacity` entries (at least 1).
    init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    /// The cached value for `key`, marking it used.
    func value(for key: Key) -> Value? {
        state.withLock { s -> Value? in
            s.clock += 1
            guard var slot = s.slots[key] else { return nil }
            slot.lastUse = s.clock
            s.slots[key] = slot
            return slot.value
        }
    }

    /// Stores `value` unless another thread stored one for `key` first; returns the one kept.
    func insert(_ value: Value, for key: Key) -> Value {
        var evicted: Value? = nil
        let kept = state.withLock { s -> Value in
            s.clock += 1
            if var existing = s.slots[key] {
                existing.lastUse = s.clock
                s.slots[key] = existing
                return existing.value
            }
            if s.slots.count >= capacity, let oldest = s.slots.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                evicted = s.slots.removeValue(forKey: oldest)?.value
            }
            s.slots[key] = Slot(value: value, lastUse: s.clock)
            return value
        }
        _ = evicted  // released here, outside the lock
        return kept
    }

    /// Every entry held now (for tests and reports).
    var entries: [(key: Key, value: Value)] { state.withLock { s in s.slots.map { ($0.key, $0.value.value) } } }

    /// Number of entries held now.
    var count: Int { state.withLock { $0.slots.count } }
}

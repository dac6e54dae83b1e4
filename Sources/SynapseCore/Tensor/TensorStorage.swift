import Foundation
import Synchronization

/// A reference-counted, 64-byte aligned buffer of `Float` elements shared by tensors and views.
///
/// Storage is never mutated while shared: `Tensor` checks `isKnownUniquelyReferenced` before any
/// in-place write and copies otherwise (copy-on-write), which is what gives tensors value semantics.
/// Internal to the core: users hold `Tensor`s. `@unchecked Sendable` is true under that rule: a buffer
/// is written only through a uniquely referenced tensor, so a buffer two threads can see is read-only.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    /// First element.
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    @usableFromInline let count: Int
    /// Calls so far that swept this buffer as small-batch linear weights; its parity picks the sweep
    /// direction, so each weight matrix alternates however many layers a model has.
    let sweeps = Atomic<Int>(0)
    /// Bumped by every mutable access, so caches derived from the contents (packed weights) can tell
    /// when an in-place update (an optimizer step) made them stale.
    let version = Atomic<Int>(0)

    /// Allocates `count` uninitialised elements (from the buffer cache when possible).
    init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferCache.shared.allocate(count)
    }

    /// Allocates `count` elements set to `value`.
    convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: value, count: count)
    }

    deinit { BufferCache.shared.release(pointer, count: count) }
}

/// A caching allocator for tensor buffers.
///
/// Training allocates buffers of the same few sizes every step; returning freed buffers to
/// per-size free lists avoids page faults of fresh allocations (a fresh 40 MB buffer costs ~14 ms
/// here). The cache holds at most `limitBytes`; beyond it buffers go back to the system.
final class BufferCache: Sendable {
    static let shared = BufferCache()

    private struct State: ~Copyable {
        var free: [Int: [UInt]] = [:]  // addresses, so the state stays Sendable
        var cachedBytes = 0
    }

    private let state = Mutex(State())
    private let limitBytes = 1 << 30
    /// Buffers smaller than this go straight to malloc, which is fast for them already.
    private let minimumCachedCount = 1024

    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = Swift.max(count, 1)
        if n >= minimumCachedCount {
            let reused: UInt? = state.withLock { s in
                guard let p = s.free[n]?.popLast() else { return nil }
                s.cachedBytes -= n * MemoryLayout<Float>.stride
                return p
            }
            if let reused, let p = UnsafeMutablePointer<Float>(bitPattern: reused) { return p }
        }
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, 64, n * MemoryLayout<Float>.stride)
        require(status == 0 && raw != nil, "Tensor allocation of \(n) floats failed")
        return raw!.bindMemory(to: Float.self, capacity: n)
    }

    func release(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let n = Swift.max(count, 1)
        let bytes = n * MemoryLayout<Float>.stride
        if n >= minimumCachedCount {
            let address = UInt(bitPattern: pointer)
            let kept = state.withLock { s -> Bool in
                guard s.cachedBytes + bytes <= limitBytes else { return false }
                s.free[n, default: []].append(address)
                s.cachedBytes += bytes
                return true
            }
            if kept { return }
        }
        free(pointer)
    }

    /// Returns every cached buffer to the system.
    func empty() {
        let all = state.withLock { s -> [UInt] in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]
            s.cachedBytes = 0
            return all
        }
        all.forEach { free(UnsafeMutableRawPointer(bitPattern: $0)) }
    }
}

import CDNNLPrimitives
import CKernels
import Foundation
import Synchronization

/// Weights reordered once into the layout a kernel prefers, reused while they do not change
/// (inference engines such as ONNX Runtime pre-pack constant weights the same way).
///
/// An entry is tied to one storage buffer (held weakly, so a freed buffer's address can never alias)
/// and to its `version`: any in-place write bumps the version, and the next use repacks. Each layout
/// has its own rule for when packing pays and its own budget of `limitBytes` (see `packed` and
/// `columnPanels`).
final class PackedWeightCache: Sendable {
    static let shared = PackedWeightCache()

    /// What a packed copy is laid out for.
    enum Layout: Equatable {
        /// oneDNN's preferred B operand of one matmul primitive configuration.
        case matmul(DNNLPrimitiveCache.MatmulKey)
        /// `syn_pack_column_panels` of a W [n, k] (the small-batch zero-skipping path).
        case columnPanels(n: Int, k: Int)
    }

    /// What an entry records about one weight in one layout.
    enum Status {
        /// Seen, not packed (the matmul layout packs on the second sighting).
        case seen
        /// Packed into `buffer`.
        case packed
        /// Packing refused at this version (non-finite weights): the caller runs unpacked.
        case declined
        /// Never packed again, whatever its version: its weights change between calls (online learning),
        /// or there was no room for its copy.
        case dense
    }

    /// A packed copy of one weight for one layout.
    final class Entry: @unchecked Sendable {
        weak var storage: TensorStorage?
        let offset: Int
        let version: Int
        let layout: Layout
        let status: Status
        /// The packed copy when `status` is `.packed`.
        let buffer: UnsafeMutableRawPointer?
        let bytes: Int
        /// Calls that ran on this copy.
        let uses = Atomic<Int>(0)
        /// Versions in a row, up to this one, whose copy served fewer than `stableUses` calls.
        let shortLived: Int

        init(storage: TensorStorage, offset: Int, version: Int, layout: Layout, status: Status,
             buffer: UnsafeMutableRawPointer? = nil, bytes: Int = 0, shortLived: Int = 0) {
            self.storage = storage
            self.offset = offset
            self.version = version
            self.layout = layout
            self.status = status
            self.buffer = buffer
            self.bytes = bytes
            self.shortLived = shortLived
        }

        deinit { free(buffer) }
    }

    private struct State: ~Copyable {
        var entries: [Entry] = []
        /// Bytes of matmul copies and of column panels.
        var matmulBytes = 0, panelBytes = 0
    }
    private let state = Mutex(State())
    /// Bytes of copies kept at most for each of the two layouts. Matmul copies past it are dropped,
    /// oldest first; column panels past it are never made (see `columnPanels`).
    let limitBytes: Int
    /// Column panels used fewer times than this before their weight changed were short-lived.
    static let stableUses = 4
    /// Short-lived versions in a row that keep a weight dense for good (one is forgiven: a model called
    /// once and then loaded from a checkpoint is not learning online).
    static let volatileStreak = 2

    /// A cache keeping at most `limitBytes` of each layout's copies.
    init(limitBytes: Int = 512 << 20) { self.limitBytes = limitBytes }

    /// The weight packed for `key`, or nil when the caller should run the plain primitive this time.
    /// A weight is packed the second time it is seen (even if it changed in between, as between two
    /// evaluations of a training run), so weights computed on the fly never pay for packing. The caller
    /// keeps the returned entry alive while the primitive reads its buffer.
    func packed(_ w: MatrixOperand, key: DNNLPrimitiveCache.MatmulKey, primitive: DNNLPrimitiveCache.Handle) -> Entry? {
        let storage = w.tensor.storage, offset = w.tensor.offset, layout = Layout.matmul(key)
        let version = storage.version.load(ordering: .relaxed)
        let existing = lookup(storage, offset: offset, layout: layout)
        if let existing, existing.version == version, existing.status == .packed { return existing }
        guard existing != nil else {
            insert(Entry(storage: storage, offset: offset, version: version, layout: layout, status: .seen))
            return nil
        }
        let bytes = syn_dnnl_matmul_packed_b_size(primitive.pointer)
        guard let buffer = malloc(Swift.max(bytes, 1)) else { return nil }
        let (bRow, bCol) = w.transposed ? (w.ld, 1) : (1, w.ld)
        if syn_dnnl_matmul_pack_b(primitive.pointer, storage.pointer + offset, Int64(bRow), Int64(bCol), buffer) != 0 {
            free(buffer)
            insert(Entry(storage: storage, offset: offset, version: version, layout: layout, status: .seen))
            return nil
        }
        let entry = Entry(storage: storage, offset: offset, version: version, layout: layout, status: .packed,
                          buffer: buffer, bytes: bytes)
        insert(entry)
        return entry
    }

    /// Contiguous `weight` [n, k] as column panels (`syn_pack_column_panels`), or nil when the caller
    /// takes the dense path: non-finite weights, weights that change between calls, or no room.
    ///
    /// Unlike `packed`, this packs on first request: a row's path must depend on its data alone, so
    /// that two calls with the same weights and input give the same bits (the panel path sums in
    /// another order). The rules that keep that true while sparing online learning a repack per call
    /// and large models an eviction per call: weights that change twice in a row after fewer than
    /// `stableUses` calls, and weights whose copy would take the panels past `limitBytes`, stay on
    /// the dense path for good (the switch happens only on a weight's first request or when it
    /// changes, never between two calls on the same weights), and panels are never evicted.
    func columnPanels(_ weight: Tensor) -> Entry? {
        let storage = weight.storage, offset = weight.offset
        let (n, k) = (weight.shape[0], weight.shape[1]), layout = Layout.columnPanels(n: n, k: k)
        let version = storage.version.load(ordering: .relaxed)
        var shortLived = 0
        let existing = lookup(storage, offset: offset, layout: layout)
        // Recorded once, kept for good: later calls on this weight never switch paths.
        func denseForGood() -> Entry? {
            insert(Entry(storage: storage, offset: offset, version: version, layout: layout, status: .dense))
            return nil
        }
        if let existing {
            switch existing.status {
            case .dense: return nil
            case .packed where existing.version == version:
                existing.uses.add(1, ordering: .relaxed)
                return existing
            case .declined where existing.version == version: return nil
            default:
                if existing.uses.load(ordering: .relaxed) < Self.stableUses { shortLived = existing.shortLived + 1 }
                if shortLived >= Self.volatileStreak { return denseForGood() }
            }
        }
        let panel = Int(SYN_LINEAR_PANEL)
        let (bytes, overflow) = ((n + panel - 1) / panel * panel).multipliedReportingOverflow(by: k * MemoryLayout<Float>.size)
        // The room left, counting this weight's own older copy as free.
        let room = state.withLock { s in limitBytes - s.panelBytes + (existing?.bytes ?? 0) }
        if overflow || bytes > room { return denseForGood() }
        // Aligned to a cache line, so each 512-byte run is 8 whole lines (malloc's 16-byte alignment
        // split every AVX-512 load across two).
        var allocated: UnsafeMutableRawPointer? = nil
        // No memory for the copy: dense for good, like a weight past the budget, so that later calls
        // do not switch paths when memory frees up.
        guard posix_memalign(&allocated, 64, Swift.max(bytes, 1)) == 0, let buffer = allocated else { return denseForGood() }
        guard syn_pack_column_panels(weight.basePointer, n, k, buffer.assumingMemoryBound(to: Float.self)) != 0 else {
            free(buffer)
            insert(Entry(storage: storage, offset: offset, version: version, layout: layout, status: .declined,
                         shortLived: shortLived))
            return nil
        }
        let entry = Entry(storage: storage, offset: offset, version: version, layout: layout, status: .packed,
                          buffer: buffer, bytes: bytes, shortLived: shortLived)
        entry.uses.add(1, ordering: .relaxed)
        insert(entry)
        return entry
    }

    /// What the cache holds for `weight`'s column panels (tests).
    func columnPanelStatus(_ weight: Tensor) -> Status? {
        lookup(weight.storage, offset: weight.offset, layout: .columnPanels(n: weight.shape[0], k: weight.shape[1]))?.status
    }

    private func lookup(_ storage: TensorStorage, offset: Int, layout: Layout) -> Entry? {
        state.withLock { s in s.entries.first { $0.storage === storage && $0.offset == offset && $0.layout == layout } }
    }

    /// Stores `entry` in place of any entry for the same weight and layout, dropping entries of freed
    /// buffers and, past `limitBytes` of matmul copies, the oldest of those.
    private func insert(_ entry: Entry) {
        let dropped = state.withLock { s -> [Entry] in
            var dropped = s.entries.filter {
                $0.storage == nil || ($0.storage === entry.storage && $0.offset == entry.offset && $0.layout == entry.layout)
            }
            s.entries.removeAll { e in dropped.contains { $0 === e } }
            s.entries.append(entry)
            for (e, sign) in dropped.map({ ($0, -1) }) + [(entry, 1)] {
                if case .matmul = e.layout { s.matmulBytes += sign * e.bytes } else { s.panelBytes += sign * e.bytes }
            }
            // Only matmul copies are dropped: a dropped panel (or marker) would let its weight switch
            // paths between two calls on the same weights.
            while s.matmulBytes > limitBytes, let oldest = s.entries.firstIndex(where: {
                if case .matmul = $0.layout { return $0.bytes > 0 && $0 !== entry } else { return false }
            }) {
                let old = s.entries.remove(at: oldest)
                s.matmulBytes -= old.bytes
                dropped.append(old)
            }
            return dropped
        }
        _ = dropped  // released outside the lock
    }
}

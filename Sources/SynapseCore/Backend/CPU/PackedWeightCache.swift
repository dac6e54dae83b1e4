import CDNNLPrimitives
import Foundation
import Synchronization

/// Weights reordered once into the layout oneDNN's matmul prefers, reused while they do not change
/// (inference engines such as ONNX Runtime pre-pack constant weights the same way).
///
/// An entry is tied to one storage buffer (held weakly, so a freed buffer's address can never alias)
/// and to its `version`: any in-place write bumps the version and the next use repacks. A buffer is
/// packed only the second time it is seen, so weights computed on the fly never pay for packing.
final class PackedWeightCache: Sendable {
    static let shared = PackedWeightCache()

    /// A packed copy of one weight for one primitive configuration.
    final class Entry: @unchecked Sendable {
        weak var storage: TensorStorage?
        let offset: Int
        let version: Int
        let key: DNNLPrimitiveCache.MatmulKey
        /// Nil on first sighting (nothing packed yet).
        let buffer: UnsafeMutableRawPointer?
        let bytes: Int

        init(storage: TensorStorage, offset: Int, version: Int, key: DNNLPrimitiveCache.MatmulKey,
             buffer: UnsafeMutableRawPointer?, bytes: Int) {
            self.storage = storage
            self.offset = offset
            self.version = version
            self.key = key
            self.buffer = buffer
            self.bytes = bytes
        }

        deinit { free(buffer) }
    }

    private struct State: ~Copyable {
        var entries: [Entry] = []
        var bytes = 0
    }
    private let state = Mutex(State())
    /// Packed copies kept at most (oldest dropped first).
    private let limitBytes = 512 << 20

    /// The packed weight for `key`, or nil when the caller should run the plain primitive this time.
    /// The caller keeps the returned entry alive while the primitive reads its buffer.
    func packed(_ w: MatrixOperand, key: DNNLPrimitiveCache.MatmulKey, primitive: DNNLPrimitiveCache.Handle) -> Entry? {
        let storage = w.tensor.storage, offset = w.tensor.offset
        let version = storage.version.load(ordering: .relaxed)
        let existing = state.withLock { s -> Entry? in
            s.entries.first { $0.storage === storage && $0.offset == offset && $0.key == key }
        }
        if let existing, existing.version == version, existing.buffer != nil { return existing }
        // First sighting (or changed since): remember it, pack only if it was seen before unchanged.
        var buffer: UnsafeMutableRawPointer? = nil
        var bytes = 0
        if existing != nil {
            bytes = syn_dnnl_matmul_packed_b_size(primitive.pointer)
            buffer = malloc(Swift.max(bytes, 1))
            let (bRow, bCol) = w.transposed ? (w.ld, 1) : (1, w.ld)
            let status = syn_dnnl_matmul_pack_b(primitive.pointer, storage.pointer + offset, Int64(bRow), Int64(bCol), buffer)
            if status != 0 { free(buffer); return nil }
        }
        let entry = Entry(storage: storage, offset: offset, version: version, key: key, buffer: buffer, bytes: bytes)
        let dropped = state.withLock { s -> [Entry] in
            var dropped = s.entries.filter { $0.storage == nil || ($0.storage === storage && $0.offset == offset && $0.key == key) }
            s.entries.removeAll { e in dropped.contains { $0 === e } }
            s.entries.append(entry)
            s.bytes += bytes - dropped.reduce(0) { $0 + $1.bytes }
            while s.bytes > limitBytes, s.entries.count > 1 {
                let old = s.entries.removeFirst()
                s.bytes -= old.bytes
                dropped.append(old)
            }
            return dropped
        }
        _ = dropped  // released outside the lock
        return buffer == nil ? nil : entry
    }
}

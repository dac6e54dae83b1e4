import CDNNLPrimitives
import CKernels

/// oneDNN matmul primitives cached by configuration: creating one costs far more than running it,
/// so each shape/layout/dtype/post-op combination is created once and kept while in use (at most
/// `capacity` configurations, least recently used dropped first, so varying batch sizes cannot grow
/// the cache without bound). Executions never queue: a primitive runs from any number of threads
/// at once, each with its own stream and scratchpad.
final class DNNLPrimitiveCache: Sendable {
    static let shared = DNNLPrimitiveCache(capacity: 512)

    /// What identifies a matmul primitive.
    struct MatmulKey: Hashable, Sendable {
        let m: Int, n: Int, k: Int
        let aType: Int32, aRowStride: Int, aColStride: Int
        let bType: Int32, bRowStride: Int, bColStride: Int
        let bias: Bool, relu: Bool, ldc: Int
        /// int8 primitives (`aType` u8): whether the source has a runtime zero point.
        var sourceZeroPoint = false
        /// Whether the calling thread runs its regions alone (`ThreadPool.setCallingThreadSerial`):
        /// oneDNN fixes a primitive's thread count when it is created, so a primitive made on a
        /// team thread would wake the whole team from a serial thread, and the other way round.
        let serial: Bool = syn_parallel_thread_serial() != 0
    }

    /// A created primitive; destroyed when neither the cache nor a running call holds it.
    final class Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        init(pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
        deinit { syn_dnnl_primitive_destroy(pointer) }
        /// oneDNN's implementation name, e.g. `brg:avx512_core_bf16`.
        var implementation: String { String(cString: syn_dnnl_primitive_impl(pointer)) }
        /// The most executions of this primitive seen running at once.
        var maxConcurrency: Int { Int(syn_dnnl_matmul_max_concurrency(pointer)) }

        /// Runs the matmul c = a·b (+ bias) on operands laid out as its key says; returns oneDNN's
        /// status (0 on success).
        func execute(a: UnsafeRawPointer?, b: UnsafeRawPointer?, bias: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>) -> Int32 {
            syn_dnnl_matmul_execute(pointer, a, b, bias, c)
        }
    }

    private let entries: LRUCache<MatmulKey, Handle>

    init(capacity: Int) { entries = LRUCache(capacity: capacity) }

    /// Configurations cached now.
    var count: Int { entries.count }

    /// The cached primitives with their configurations (for tests and reports).
    var cached: [(key: MatmulKey, handle: Handle)] { entries.entries.map { ($0.key, $0.value) } }

    /// The primitive for `key`, created on first use; nil (with oneDNN's status) if unsupported.
    func matmul(_ key: MatmulKey) -> Result<Handle, DNNLError> {
        if let h = entries.value(for: key) { return .success(h) }
        var status: Int32 = 0
        let a = syn_operand(dtype: syn_dt(rawValue: UInt32(key.aType)), row_stride: Int64(key.aRowStride), col_stride: Int64(key.aColStride))
        let b = syn_operand(dtype: syn_dt(rawValue: UInt32(key.bType)), row_stride: Int64(key.bRowStride), col_stride: Int64(key.bColStride))
        // Strides of -1 ask for B in oneDNN's preferred (packed) layout.
        let created = key.aType == Int32(SYN_DT_U8.rawValue)
            ? syn_dnnl_qmatmul_create(Int64(key.m), Int64(key.n), Int64(key.k), key.sourceZeroPoint ? 1 : 0, &status)
            : key.bRowStride < 0
            ? syn_dnnl_matmul_create_packed(Int64(key.m), Int64(key.n), Int64(key.k), a, b.dtype,
                                            key.bias ? 1 : 0, key.relu ? 1 : 0, Int64(key.ldc), &status)
            : syn_dnnl_matmul_create(Int64(key.m), Int64(key.n), Int64(key.k), a, b,
                                     key.bias ? 1 : 0, key.relu ? 1 : 0, Int64(key.ldc), &status)
        guard let p = created else {
            return .failure(DNNLError(status: status, what: "matmul primitive for \(key)"))
        }
        // If another thread won the race, ours is destroyed when `Handle(pointer: p)` is released.
        return .success(entries.insert(Handle(pointer: p), for: key))
    }
}

/// A oneDNN call that failed, with its status code.
public struct DNNLError: Error, CustomStringConvertible {
    /// oneDNN's `dnnl_status_t` value.
    public let status: Int32
    /// What was being attempted.
    public let what: String
    /// Human-readable explanation.
    public var description: String {
        let reason = status == 3 ? "unimplemented on this CPU" : "status \(status)"
        return "oneDNN: \(what) failed (\(reason))"
    }
}

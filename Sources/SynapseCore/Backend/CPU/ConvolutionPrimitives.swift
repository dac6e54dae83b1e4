import CDNNLPrimitives
import Foundation

/// oneDNN convolution handles (forward, backward data and backward weights, with their layout
/// reorders), cached by shape: creating one takes milliseconds, running it microseconds to
/// milliseconds. At most `capacity` shapes are kept (least recently used dropped first); a handle
/// runs from any number of threads at once (each call brings its own stream, scratchpad and blocked
/// buffers), and one that a pending backward pass still holds outlives its eviction.
///
/// A shape oneDNN has no direct kernel for (it would fall back to its own GEMM lowering) is
/// remembered as unsupported, and `conv2d` lowers it to im2col + GEMM itself.
/// `SYNAPSE_CONV=im2col` forces that lowering everywhere (for comparisons).
final class ConvolutionPrimitives: Sendable {
    /// The process-wide cache.
    static let shared = ConvolutionPrimitives(capacity: 128)

    /// An opaque oneDNN convolution handle; destroyed when neither the cache nor a call holds it.
    final class Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        init(pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
        deinit { syn_dnnl_conv_destroy(pointer) }

        /// oneDNN's implementation names for forward, backward data and backward weights.
        var implementations: [String] {
            (0..<3).map { String(cString: syn_dnnl_conv_impl(pointer, Int32($0))) }
        }
    }

    /// What identifies a convolution handle (every field of `syn_conv_shape`).
    struct Key: Hashable, Sendable {
        let values: [Int64]

        init(_ s: syn_conv_shape) {
            values = [s.n, s.c, s.h, s.w, s.o, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, s.oh, s.ow, s.groups,
                      Int64(s.with_bias)]
        }
    }

    /// A cached outcome: the handle, or nil for a shape oneDNN has no direct kernel for.
    private struct Outcome: Sendable { let handle: Handle? }

    private let entries: LRUCache<Key, Outcome>
    private let disabled: Bool

    init(capacity: Int) {
        entries = LRUCache(capacity: capacity)
        disabled = ProcessInfo.processInfo.environment["SYNAPSE_CONV"] == "im2col"
    }

    /// Shapes cached now.
    var count: Int { entries.count }

    /// The handle for `shape`, created on first use; nil when oneDNN has no direct kernel for it.
    func handle(for shape: syn_conv_shape) -> Handle? {
        if disabled { return nil }
        let key = Key(shape)
        if let cached = entries.value(for: key) { return cached.handle }
        var status: Int32 = 0
        let created = syn_dnnl_conv_create(shape, &status).map { Handle(pointer: $0) }
        return entries.insert(Outcome(handle: created), for: key).handle
    }
}

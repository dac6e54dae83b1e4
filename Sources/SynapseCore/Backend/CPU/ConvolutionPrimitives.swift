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

    /// A cached outcome: the handle, or nil for a shape oneDNN has no direct kernel for.
    private struct Outcome: Sendable { let handle: Handle? }

    private let entries: LRUCache<ConvolutionShape, Outcome>
    private let disabled: Bool

    init(capacity: Int) {
        entries = LRUCache(capacity: capacity)
        disabled = ProcessInfo.processInfo.environment["SYNAPSE_CONV"] == "im2col"
    }

    /// Shapes cached now.
    var count: Int { entries.count }

    /// The handle for `shape`, created on first use; nil when oneDNN has no direct kernel for it.
    func handle(for shape: ConvolutionShape) -> Handle? {
        if disabled { return nil }
        if let cached = entries.value(for: shape) { return cached.handle }
        let g = shape.geometry
        let kernelShape = syn_conv_shape(n: Int64(g.n), c: Int64(g.c), h: Int64(g.h), w: Int64(g.w), o: Int64(shape.outChannels),
                                         kh: Int64(g.kh), kw: Int64(g.kw), sh: Int64(g.sh), sw: Int64(g.sw), ph: Int64(g.ph),
                                         pw: Int64(g.pw), dh: Int64(g.dh), dw: Int64(g.dw), oh: Int64(g.oh), ow: Int64(g.ow),
                                         groups: Int64(shape.groups), with_bias: shape.withBias ? 1 : 0,
                                         bf16: shape.bfloat16 ? 1 : 0)
        var status: Int32 = 0
        let created = syn_dnnl_conv_create(kernelShape, &status).map { Handle(pointer: $0) }
        return entries.insert(Outcome(handle: created), for: shape).handle
    }
}

import CDNNLPrimitives
import CKernels
import Synchronization

/// The oneDNN int8 convolutions of one statically quantized layer, one per input geometry (a
/// chunk's batch size and image size). Weights, scales and zero point are fixed when a handle is
/// made, so the cache belongs to the layer's int8 form, not to the process.
final class QuantizedConvolutionKernels: Sendable {
    /// A oneDNN int8 convolution handle.
    final class Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        init(pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
        deinit { syn_dnnl_qconv_destroy(pointer) }
        /// oneDNN's implementation name (e.g. `jit_uni_int8:avx2`).
        var implementation: String { String(cString: syn_dnnl_qconv_impl(pointer)) }
    }

    /// Outcome per geometry: nil when oneDNN has no int8 kernel for it.
    private let handles = Mutex<[ConvolutionGeometry: Handle?]>([:])
    /// Geometries kept at most (a server sees few batch sizes; chunking bounds them further).
    private let capacity = 32

    init() {}

    /// The handle for `geometry`, made on first use from the layer's int8 weights.
    func handle(for geometry: ConvolutionGeometry, outChannels: Int, weights: QuantizedWeights, scales: [Float],
                zeroPoint: Int32) -> Handle? {
        if let cached = handles.withLock({ $0[geometry] }) { return cached }
        let g = geometry
        let shape = syn_conv_shape(n: Int64(g.n), c: Int64(g.c), h: Int64(g.h), w: Int64(g.w), o: Int64(outChannels),
                                   kh: Int64(g.kh), kw: Int64(g.kw), sh: Int64(g.sh), sw: Int64(g.sw), ph: Int64(g.ph),
                                   pw: Int64(g.pw), dh: Int64(g.dh), dw: Int64(g.dw), oh: Int64(g.oh), ow: Int64(g.ow),
                                   groups: 1, with_bias: 0, bf16: 0)
        var status: Int32 = 0
        let made = scales.withUnsafeBufferPointer { s in
            syn_dnnl_qconv_create(shape, weights.pointer, s.baseAddress, zeroPoint, &status).map { Handle(pointer: $0) }
        }
        return handles.withLock { cache in
            if cache.count >= capacity { cache.removeAll() }
            if let existing = cache[geometry] { return existing }
            cache[geometry] = made
            return made
        }
    }
}

extension CPUBackend {
    /// Images per int8 convolution call: oneDNN's AVX2 int8 kernel ran 2.2× faster per image on 16
    /// images than on 256 (its working set leaves the cache), measured on W3's second convolution.
    static let quantizedConvolutionChunk = 16

    /// y (NCHW f32) = int8 convolution of x (NCHW f32, finite) quantized with `q`, plus bias and ReLU,
    /// in chunks of images. Returns false (y untouched) when oneDNN has no int8 kernel for the shape.
    static func quantizedConvolution(_ x: UnsafePointer<Float>, geometry g: ConvolutionGeometry, outChannels o: Int,
                                     weights: QuantizedWeights, scales: [Float], q: AffineQuantization, bias: UnsafePointer<Float>?,
                                     relu: Bool, kernels: QuantizedConvolutionKernels, into y: UnsafeMutablePointer<Float>) -> Bool {
        let chunk = Swift.min(quantizedConvolutionChunk, g.n)
        let inPlane = g.h * g.w, outPlane = g.oh * g.ow
        let codes = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk * g.c * inPlane)
        let nhwc = UnsafeMutablePointer<Float>.allocate(capacity: chunk * o * outPlane)
        defer { codes.deallocate(); nhwc.deallocate() }
        var start = 0
        while start < g.n {
            let count = Swift.min(chunk, g.n - start)
            var part = g
            part.n = count
            guard let handle = kernels.handle(for: part, outChannels: o, weights: weights, scales: scales, zeroPoint: q.zeroPoint) else {
                return false
            }
            syn_quantize_nchw_to_nhwc_u8(x + start * g.c * inPlane, codes, count, g.c, inPlane, 1 / q.scale, Float(q.zeroPoint),
                                         Float(q.quantMax))
            guard syn_dnnl_qconv_forward(handle.pointer, codes, nhwc) == 0 else { return false }
            syn_nhwc_to_nchw_bias_relu(nhwc, y + start * o * outPlane, bias, count, o, outPlane, relu ? 1 : 0)
            start += count
        }
        return true
    }
}

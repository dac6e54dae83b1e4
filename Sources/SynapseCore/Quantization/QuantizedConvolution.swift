/// The int8 form of a 2-D convolution's fixed parts: int8 weights per output channel, the calibrated
/// input quantization, and oneDNN's kernels made from them (one per input geometry).
public final class QuantizedConvolution: Sendable {
    /// Weights [out, in·kh·kw] as int8, one scale per output channel.
    public let weights: QuantizedWeights
    /// Kernel height and width.
    public let kernelSize: (Int, Int)
    /// The input's fixed quantization.
    public let input: AffineQuantization
    let scales: [Float]
    let kernels = QuantizedConvolutionKernels()

    /// The int8 form of `weights` (a convolution weight [out, in, kh, kw] flattened per output
    /// channel) with input quantization `input`.
    public init(weights: QuantizedWeights, kernelSize: (Int, Int), input: AffineQuantization) {
        require(kernelSize.0 > 0 && kernelSize.1 > 0 && weights.columns % (kernelSize.0 * kernelSize.1) == 0,
                "QuantizedConvolution: \(weights.columns) weights per channel do not hold \(kernelSize.0)×\(kernelSize.1) kernels")
        self.weights = weights
        self.kernelSize = kernelSize
        self.input = input
        scales = weights.scales.map { $0 * input.scale }
    }

    /// Input channels.
    public var inChannels: Int { weights.columns / (kernelSize.0 * kernelSize.1) }
}

/// conv2d(x) + bias with int8 weights and x quantized with `convolution.input` (static
/// quantization; groups 1), then ReLU when `relu`: oneDNN's int8 convolution sums
/// Σ (q(x) − zeroPoint)·q(w) in 32-bit integers and scales each output channel back to f32. Where
/// oneDNN has no int8 kernel for the shape, the same quantized values run through the float
/// convolution (identical up to float rounding, no faster).
///
/// Inference only: no gradient history. A non-finite input gives NaN outputs.
public func quantizedConv2d(_ x: Tensor, _ convolution: QuantizedConvolution, bias: Tensor?, stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), relu: Bool = false) -> Tensor {
    let (kh, kw) = convolution.kernelSize
    let o = convolution.weights.rows, c = convolution.inChannels
    require(x.rank == 4 && x.shape[1] == c, "quantizedConv2d: input must be [N, \(c), H, W], got \(x.shape)")
    if let bias { require(bias.shape == [o], "quantizedConv2d: bias of shape \(bias.shape) does not match \(o) output channels") }
    let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
    let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
    let ow = (w + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
    require(oh > 0 && ow > 0, "quantizedConv2d: kernel \([kh, kw]) is larger than the padded input \(x.shape)")
    let outShape = [n, o, oh, ow]
    guard n > 0 else { return Tensor(shape: outShape, scalars: []) }
    let xc = x.contiguous(), bc = bias?.contiguous()
    guard xc.isAllFinite else { return Tensor(shape: outShape, scalars: [Float](repeating: .nan, count: n * o * oh * ow)) }
    let geometry = ConvolutionGeometry(n: n, c: c, h: h, w: w, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                                       ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1, oh: oh, ow: ow)
    var done = false
    let y = Tensor.produce(outShape) { out in
        done = CPUBackend.quantizedConvolution(xc.basePointer, geometry: geometry, outChannels: o, weights: convolution.weights,
                                               scales: convolution.scales, q: convolution.input, bias: bc?.basePointer, relu: relu,
                                               kernels: convolution.kernels, into: out)
    }
    withExtendedLifetime((xc, bc, convolution)) {}
    if done { return y }
    // The same arithmetic in float: x and w replaced by the values their integers stand for.
    let q = convolution.input
    let xq = Tensor(shape: x.shape, scalars: xc.scalars.map { q.dequantize(q.quantize($0)) })
    let wq = convolution.weights.dequantized().reshaped([o, c, kh, kw])
    let z = conv2d(xq, weight: wq, bias: bc, stride: stride, padding: padding, dilation: dilation)
    return relu ? SynapseCore.relu(z) : z
}

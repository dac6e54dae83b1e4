/// Transposed 2-D convolution (PyTorch `conv_transpose2d`): x [N, Cin, H, W], weight
/// [Cin, Cout/groups, kh, kw], bias [Cout]. Output size (H − 1)·stride − 2·padding +
/// dilation·(kh − 1) + outputPadding + 1.
///
/// It is the adjoint of `conv2d`: the forward pass is convolution's input-gradient computation (a GEMM
/// into columns, then col2im), and its backward pass is an ordinary im2col convolution.
public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                            dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
    require(x.rank == 4, "convTranspose2d: input must be [N, C, H, W], got \(x.shape)")
    require(weight.rank == 4, "convTranspose2d: weight must be [in, out/groups, kh, kw], got \(weight.shape)")
    let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (wcin, coutg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    require(groups > 0 && wcin == cin && cin % groups == 0,
                 "convTranspose2d: input \(x.shape) with \(groups) group(s) does not match weight \(weight.shape)")
    require(outputPadding.0 < Swift.max(stride.0, dilation.0) && outputPadding.1 < Swift.max(stride.1, dilation.1),
                 "convTranspose2d: output padding must be smaller than stride or dilation")
    let cout = coutg * groups
    if let bias { require(bias.shape == [cout], "convTranspose2d: bias of shape \(bias.shape) does not match \(cout) output channels") }
    let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
    let ow = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
    require(oh > 0 && ow > 0, "convTranspose2d: output size would be \([oh, ow]) for input \(x.shape)")
    // The convolution this is the adjoint of: it maps [N, Cout, oh, ow] to [N, Cin, h, w].
    let geometry = ConvolutionGeometry(n: n, c: cout, h: oh, w: ow, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                                       ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1, oh: h, ow: w)
    let cing = cin / groups, k = coutg * kh * kw, p = n * h * w
    let wc = weight.contiguous()
    // x as [Cin, N·h·w].
    let xT = x.detached().reshaped([n, cin, h * w]).permuted([1, 0, 2]).contiguous()
    let cols = Tensor.produce([groups * k, p]) { out in
        for gi in 0..<groups {
            DNNL.sgemm(transA: true, transB: false, m: k, n: p, k: cing, a: wc.basePointer + gi * cing * k, lda: Swift.max(k, 1),
                       b: xT.basePointer + gi * cing * p, ldb: Swift.max(p, 1), c: out + gi * k * p, ldc: Swift.max(p, 1))
        }
    }
    var y = Tensor.zeros([n, cout, oh, ow])
    y.withUnsafeMutableBufferPointer { buf in
        ConvolutionLowering.col2im(cols.basePointer, into: buf.baseAddress!, geometry: geometry, groups: groups)
    }
    if let bias { y = y + bias.detached().reshaped([1, cout, 1, 1]) }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    let (nx, nw, nb, hasBias) = (x.node != nil, weight.node != nil, bias?.node != nil, bias != nil)
    let wd = wc.detached()
    return y.recorded("convTranspose2d", inputs: inputs) { g in
        // Columns of the upstream gradient in the adjoint convolution's layout.
        let gc = g.contiguous()
        let gcols = Tensor.produce([groups * k, p]) { out in
            ConvolutionLowering.im2col(gc.basePointer, into: out, geometry: geometry, groups: groups)
        }
        var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
        if nx {
            let flat = Tensor.produce([cin, p]) { out in
                for gi in 0..<groups {
                    DNNL.sgemm(transA: false, transB: false, m: cing, n: p, k: k, a: wd.basePointer + gi * cing * k, lda: Swift.max(k, 1),
                               b: gcols.basePointer + gi * k * p, ldb: Swift.max(p, 1), c: out + gi * cing * p, ldc: Swift.max(p, 1))
                }
            }
            gx = flat.reshaped([cin, n, h * w]).permuted([1, 0, 2]).contiguous().reshaped([n, cin, h, w])
        }
        if nw {
            gw = Tensor.produce([cin, coutg, kh, kw]) { out in
                for gi in 0..<groups {
                    DNNL.sgemm(transA: false, transB: true, m: cing, n: k, k: p, a: xT.basePointer + gi * cing * p, lda: Swift.max(p, 1),
                               b: gcols.basePointer + gi * k * p, ldb: Swift.max(p, 1), c: out + gi * cing * k, ldc: Swift.max(k, 1))
                }
            }
        }
        if nb { gb = gc.sum(dims: [0, 2, 3]) }
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}

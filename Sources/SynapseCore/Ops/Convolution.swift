/// 2-D convolution (PyTorch `conv2d`): x [N, C, H, W], weight [O, C/groups, kh, kw], bias [O].
///
/// Runs on oneDNN's convolution primitives (direct kernels on blocked layouts, reordered to and from
/// NCHW inside each call), which compute the bias gradient with the weight gradient; the forward pass
/// of a single-input-channel, stride-1 convolution uses a direct NCHW kernel instead. Shapes oneDNN
/// cannot run fall back to an im2col lowering onto GEMMs.
///
/// Under `autocast(.bfloat16)` (or `.float16`) the input, weight and bias are rounded to bfloat16 (or
/// float16) and accumulated in Float32 (see `Autocast`).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                   padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
    require(x.rank == 4, "conv2d: input must be [N, C, H, W], got \(x.shape)")
    require(weight.rank == 4, "conv2d: weight must be [out, in/groups, kh, kw], got \(weight.shape)")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    require(groups > 0 && c % groups == 0 && o % groups == 0 && cg == c / groups,
                 "conv2d: input \(x.shape) with \(groups) group(s) does not match weight \(weight.shape)")
    if let bias { require(bias.shape == [o], "conv2d: bias of shape \(bias.shape) does not match \(o) output channels") }
    require(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                 "conv2d: stride and dilation must be positive and padding non-negative")
    let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
    let ow = (w + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
    require(oh > 0 && ow > 0, "conv2d: kernel \([kh, kw]) (dilation \([dilation.0, dilation.1])) is larger than the padded input \(x.shape)")
    let geometry = ConvolutionGeometry(n: n, c: c, h: h, w: w, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                                       ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1, oh: oh, ow: ow)
    var shape = ConvolutionShape(geometry: geometry, outChannels: o, groups: groups, withBias: bias != nil)
    let precision = Autocast.precision
    if precision != .float32 {
        // bf16 operands: oneDNN's bf16 primitives where the CPU has them (their reorders convert the
        // rounded Float32 buffers exactly), else — and always for float16 — the Float32 kernels on
        // the rounded values (exact products, Float32 accumulation).
        let (xr, wr, br) = (x.rounded(to: precision), weight.rounded(to: precision), bias?.rounded(to: precision))
        if precision == .bfloat16 {
            shape.bfloat16 = true
            if xr.count > 0 && wr.count > 0, let handle = ConvolutionPrimitives.shared.handle(for: shape) {
                return conv2dPrimitive(xr, weight: wr, bias: br, shape: shape, handle: handle).gradientRounded(to: precision)
            }
        }
        return autocast(.float32) {
            conv2d(xr, weight: wr, bias: br, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }.gradientRounded(to: precision)
    }
    if x.count > 0 && weight.count > 0, let handle = ConvolutionPrimitives.shared.handle(for: shape) {
        return conv2dPrimitive(x, weight: weight, bias: bias, shape: shape, handle: handle)
    }
    return conv2dIm2col(x, weight: weight, bias: bias, geometry: geometry, groups: groups)
}

/// `conv2d` on a cached oneDNN handle.
private func conv2dPrimitive(_ x: Tensor, weight: Tensor, bias: Tensor?, shape: ConvolutionShape,
                             handle: ConvolutionPrimitives.Handle) -> Tensor {
    let xc = x.contiguous(), wc = weight.contiguous(), bc = bias?.contiguous()
    let g = shape.geometry
    let y = Tensor.produce([g.n, shape.outChannels, g.oh, g.ow]) { out in
        if CPUBackend.usesSingleChannelKernel(shape) {
            // One input channel: a direct NCHW kernel beats oneDNN's, whose blocked output must be
            // reordered (the reorder alone costs more than the convolution).
            CPUBackend.singleChannelConvolution(xc.basePointer, weight: wc.basePointer, bias: bc?.basePointer, into: out, shape: shape)
            return
        }
        let status = CPUBackend.convolutionForward(handle, x: xc.basePointer, weight: wc.basePointer, bias: bc?.basePointer, into: out)
        require(status == 0, "conv2d: oneDNN forward failed (status \(status)) for input \(x.shape), weight \(weight.shape)")
    }
    withExtendedLifetime((xc, wc, bc, handle)) {}
    var inputs = [xc, weight]
    if let bias { inputs.append(bias) }
    let (nx, nw, nb, hasBias) = (x.node != nil, weight.node != nil, bias?.node != nil, bias != nil)
    let (xd, wd) = (xc.detached(), wc.detached())
    return y.detached().recorded("conv2d", inputs: inputs) { g in
        let gc = g.contiguous()
        let gx = nx ? Tensor(storage: TensorStorage(uninitializedCount: xd.count), shape: xd.shape) : nil
        let gw = nw ? Tensor(storage: TensorStorage(uninitializedCount: wd.count), shape: wd.shape) : nil
        let gb = nb ? Tensor(storage: TensorStorage(uninitializedCount: shape.outChannels), shape: [shape.outChannels]) : nil
        let status = CPUBackend.convolutionBackward(handle, x: xd.basePointer, weight: wd.basePointer, dy: gc.basePointer,
                                                    dx: gx?.basePointer, dWeight: gw?.basePointer, dBias: gb?.basePointer)
        require(status == 0, "conv2d: oneDNN backward failed (status \(status)) for input \(xd.shape), weight \(wd.shape)")
        withExtendedLifetime((gc, xd, wd, handle)) {}  // the handle may have left the cache meanwhile
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}

/// `conv2d` lowered to matrix products: the input is unfolded once per group into a
/// [C/groups·kh·kw, N·oh·ow] column matrix (im2col) and multiplied by the group's weights with oneDNN
/// GEMMs that read and write the [N, C, H, W] layout in place (no permutes). The columns are kept for
/// the backward pass, which needs two more GEMMs per example and the adjoint (col2im).
func conv2dIm2col(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, groups: Int) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    let (oh, ow) = (geometry.oh, geometry.ow)
    let xc = x.contiguous(), wc = weight.contiguous()
    let og = o / groups, k = cg * kh * kw, p = n * oh * ow
    // Columns for all groups: group g occupies rows [g·k, (g+1)·k).
    let cols = Tensor.produce([groups * k, p]) { out in
        ConvolutionLowering.im2col(xc.basePointer, into: out, geometry: geometry, groups: groups,
                                   grain: Swift.max(1, 16_384 / Swift.max(kh * kw * p, 1)))
    }
    // One GEMM per example and group, straight into [N, O, oh, ow]: example n's columns are the
    // [k, oh·ow] block at column n·oh·ow of the column matrix (leading dimension N·oh·ow), so no
    // permute of the output is needed.
    let bc = bias?.contiguous()
    let hw = oh * ow
    let y = Tensor.produce([n, o, oh, ow]) { out in
        if let bc {
            for ni in 0..<n { for oc in 0..<o { (out + (ni * o + oc) * hw).update(repeating: bc.basePointer[oc], count: hw) } }
        }
        for ni in 0..<n {
            for gi in 0..<groups {
                DNNL.sgemm(transA: false, transB: false, m: og, n: hw, k: k, a: wc.basePointer + gi * og * k, lda: Swift.max(k, 1),
                           b: cols.basePointer + gi * k * p + ni * hw, ldb: Swift.max(p, 1), beta: bc == nil ? 0 : 1,
                           c: out + (ni * o + gi * og) * hw, ldc: Swift.max(hw, 1))
            }
        }
    }
    var inputs = [xc, weight]
    if let bias { inputs.append(bias) }
    let (nx, nw, nb, hasBias) = (x.node != nil, weight.node != nil, bias?.node != nil, bias != nil)
    let wd = wc.detached()
    return y.detached().recorded("conv2d", inputs: inputs) { g in
        // g is [N, O, oh·ow]; example n's block for group gi is [og, oh·ow] at (n·O + gi·og)·oh·ow.
        let gc = g.contiguous()
        var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
        if nw {
            gw = Tensor.produce([o, cg, kh, kw]) { out in
                for gi in 0..<groups {
                    for ni in 0..<n {
                        DNNL.sgemm(transA: false, transB: true, m: og, n: k, k: hw,
                                   a: gc.basePointer + (ni * o + gi * og) * hw, lda: Swift.max(hw, 1),
                                   b: cols.basePointer + gi * k * p + ni * hw, ldb: Swift.max(p, 1), beta: ni == 0 ? 0 : 1,
                                   c: out + gi * og * k, ldc: Swift.max(k, 1))
                    }
                }
            }
        }
        if nx {
            let dcols = Tensor.produce([groups * k, p]) { out in
                for gi in 0..<groups {
                    for ni in 0..<n {
                        DNNL.sgemm(transA: true, transB: false, m: k, n: hw, k: og, a: wd.basePointer + gi * og * k, lda: Swift.max(k, 1),
                                   b: gc.basePointer + (ni * o + gi * og) * hw, ldb: Swift.max(hw, 1),
                                   c: out + gi * k * p + ni * hw, ldc: Swift.max(p, 1))
                    }
                }
            }
            var dx = Tensor.zeros([n, c, h, w])
            dx.withUnsafeMutableBufferPointer { buf in
                ConvolutionLowering.col2im(dcols.basePointer, into: buf.baseAddress!, geometry: geometry, groups: groups)
            }
            withExtendedLifetime(dcols) {}
            gx = dx
        }
        if nb { gb = gc.sum(dims: [0, 2, 3]) }
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}

/// 1-D convolution (PyTorch `conv1d`): x [N, C, L], weight [O, C/groups, k], bias [O]; computed as a
/// 2-D convolution of height 1.
public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Tensor {
    require(x.rank == 3, "conv1d: input must be [N, C, L], got \(x.shape)")
    require(weight.rank == 3, "conv1d: weight must be [out, in/groups, k], got \(weight.shape)")
    let y = conv2d(x.unsqueezed(2), weight: weight.unsqueezed(2), bias: bias, stride: (1, stride),
                   padding: (0, padding), dilation: (1, dilation), groups: groups)
    return y.squeezed(2)
}

/// Output size of a pooling window along one dimension (PyTorch's floor/ceil rule).
private func pooledSize(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool, op: String) -> Int {
    let span = size + 2 * padding - dilation * (kernel - 1) - 1
    require(span >= 0, "\(op): window \(kernel) (dilation \(dilation)) is larger than the padded input size \(size + 2 * padding)")
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    // A window may not start in the right padding (PyTorch drops it).
    if ceilMode && (out - 1) * stride >= size + padding { out -= 1 }
    return out
}

/// 2-D max pooling (PyTorch `max_pool2d`) over [N, C, H, W]; padding counts as −∞. The gradient goes
/// to the first maximum of each window.
public func maxPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> Tensor {
    maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, relu: false)
}

/// `maxPool2d(relu(x), …)` in one pass over x, for a ReLU followed by max pooling (`Sequential` runs
/// its `ReLU`, `MaxPool2d` pairs through it, as CNNs after each convolution have them): it pools x and
/// applies ReLU to the maxima, and its gradient zeroes the windows whose output is 0. Values and
/// gradients are bit for bit those of the two ops (ReLU is monotone, so the window's maximum is the
/// same input; where it is ≤ 0, ReLU's gradient is 0 either way; NaN passes through both), while the
/// ReLU output is never written, read back or kept for the backward pass.
package func reluMaxPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                           dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> Tensor {
    maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, relu: true)
}

private func maxPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)?, padding: (Int, Int),
                       dilation: (Int, Int), ceilMode: Bool, relu: Bool) -> Tensor {
    let op = relu ? "reluMaxPool2d" : "maxPool2d"
    require(x.rank == 4, "\(op): input must be [N, C, H, W], got \(x.shape)")
    let s = stride ?? kernelSize
    require(padding.0 * 2 <= kernelSize.0 && padding.1 * 2 <= kernelSize.1,
                 "\(op): padding \([padding.0, padding.1]) must be at most half the kernel \([kernelSize.0, kernelSize.1])")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = pooledSize(h, kernel: kernelSize.0, stride: s.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode, op: op)
    let ow = pooledSize(w, kernel: kernelSize.1, stride: s.1, padding: padding.1, dilation: dilation.1, ceilMode: ceilMode, op: op)
    let xc = x.contiguous()
    let planes = n * c
    var argmax = [Int32](repeating: 0, count: planes * oh * ow)
    let geometry = ConvolutionGeometry(n: planes, c: 1, h: h, w: w, kh: kernelSize.0, kw: kernelSize.1, sh: s.0, sw: s.1,
                                       ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1, oh: oh, ow: ow)
    let y = argmax.withUnsafeMutableBufferPointer { idxBuf in
        let idx = SendablePointer(idxBuf.baseAddress!)
        return Tensor.produce([n, c, oh, ow]) { out in
            let src = SendablePointer(xc.basePointer), dst = SendablePointer(out)
            ThreadPool.shared.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(oh * ow, 1))) { r in
                CPUBackend.maxPool2d(src.pointer, into: dst.pointer, argmax: idx.pointer, geometry: geometry, planes: r, relu: relu)
            }
        }
    }
    withExtendedLifetime(xc) {}
    let indices = argmax
    // With ReLU the backward pass reads the output (which windows were ≤ 0); it is a quarter of x for
    // 2×2 windows, and x itself is not kept.
    let output = relu ? y.detached() : nil
    return y.recorded(op, inputs: [x]) { g in
        let gc = g.contiguous()
        let dx = indices.withUnsafeBufferPointer { idxBuf in
            let idx = SendablePointer(idxBuf.baseAddress!)
            return Tensor.produce([n, c, h, w]) { out in
                let src = SendablePointer(gc.basePointer), dst = SendablePointer(out)
                let mask = output.map { SendablePointer($0.basePointer) }
                ThreadPool.shared.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(h * w, 1))) { r in
                    CPUBackend.maxPool2dBackward(src.pointer, argmax: idx.pointer, reluOutput: mask.map { UnsafePointer($0.pointer) },
                                                 into: dst.pointer, planeInput: h * w, planeOutput: oh * ow, planes: r)
                }
            }
        }
        withExtendedLifetime((gc, output)) {}
        return [dx]
    }
}

/// 2-D average pooling (PyTorch `avg_pool2d`); with `countIncludePad` the zero padding counts in the
/// divisor, as PyTorch's default.
public func avgPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      ceilMode: Bool = false, countIncludePad: Bool = true) -> Tensor {
    require(x.rank == 4, "avgPool2d: input must be [N, C, H, W], got \(x.shape)")
    let s = stride ?? kernelSize
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = pooledSize(h, kernel: kernelSize.0, stride: s.0, padding: padding.0, dilation: 1, ceilMode: ceilMode, op: "avgPool2d")
    let ow = pooledSize(w, kernel: kernelSize.1, stride: s.1, padding: padding.1, dilation: 1, ceilMode: ceilMode, op: "avgPool2d")
    // Each window as (range in y, range in x, divisor); shared by forward and backward.
    var windows: [(Range<Int>, Range<Int>, Float)] = []
    for i in 0..<oh {
        for j in 0..<ow {
            let y0 = i * s.0 - padding.0, x0 = j * s.1 - padding.1
            let y1 = Swift.min(y0 + kernelSize.0, h + padding.0), x1 = Swift.min(x0 + kernelSize.1, w + padding.1)
            let padded = (y1 - y0) * (x1 - x0)
            let ys = Swift.max(y0, 0)..<Swift.min(y1, h), xs = Swift.max(x0, 0)..<Swift.min(x1, w)
            windows.append((ys, xs, Float(countIncludePad ? padded : ys.count * xs.count)))
        }
    }
    return poolByWindows(x, windows: windows, outShape: [n, c, oh, ow], op: "avgPool2d")
}

/// Adaptive average pooling to `outputSize` (PyTorch `adaptive_avg_pool2d`): window i along a
/// dimension of size H spans [⌊i·H/out⌋, ⌈(i+1)·H/out⌉).
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) -> Tensor {
    require(x.rank == 4, "adaptiveAvgPool2d: input must be [N, C, H, W], got \(x.shape)")
    require(outputSize.0 > 0 && outputSize.1 > 0, "adaptiveAvgPool2d: output size must be positive")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var windows: [(Range<Int>, Range<Int>, Float)] = []
    for i in 0..<outputSize.0 {
        let ys = (i * h / outputSize.0)..<(((i + 1) * h + outputSize.0 - 1) / outputSize.0)
        for j in 0..<outputSize.1 {
            let xs = (j * w / outputSize.1)..<(((j + 1) * w + outputSize.1 - 1) / outputSize.1)
            windows.append((ys, xs, Float(ys.count * xs.count)))
        }
    }
    return poolByWindows(x, windows: windows, outShape: [n, c, outputSize.0, outputSize.1], op: "adaptiveAvgPool2d")
}

/// Averages each window of every [H, W] plane; the VJP spreads each gradient evenly over its window.
private func poolByWindows(_ x: Tensor, windows: [(Range<Int>, Range<Int>, Float)], outShape: [Int], op: String) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let planes = n * c, per = windows.count
    let xc = x.contiguous()
    let y = Tensor.produce(outShape) { out in
        let src = SendablePointer(xc.basePointer), dst = SendablePointer(out)
        ThreadPool.shared.parallelFor(planes, grain: Swift.max(1, 4096 / Swift.max(per, 1))) { r in
            for plane in r {
                let xp = src.pointer + plane * h * w
                for (q, win) in windows.enumerated() {
                    var sum: Float = 0
                    for yy in win.0 { for xx in win.1 { sum += xp[yy * w + xx] } }
                    dst.pointer[plane * per + q] = sum / win.2
                }
            }
        }
    }
    withExtendedLifetime(xc) {}
    return y.recorded(op, inputs: [x]) { g in
        let gc = g.contiguous()
        var dx = Tensor.zeros([n, c, h, w])
        dx.withUnsafeMutableBufferPointer { buf in
            let gp = gc.basePointer
            for plane in 0..<planes {
                for (q, win) in windows.enumerated() {
                    let v = gp[plane * per + q] / win.2
                    for yy in win.0 { for xx in win.1 { buf[plane * h * w + yy * w + xx] += v } }
                }
            }
        }
        return [dx]
    }
}

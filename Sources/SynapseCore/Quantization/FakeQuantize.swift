/// Quantizes and dequantizes `x` with `q` — (clamp(round(x·(1/scale)) + zeroPoint, quantMin,
/// quantMax) − zeroPoint)·scale — so training sees the values int8 inference will compute with
/// (PyTorch's `fake_quantize_per_tensor_affine`).
///
/// The gradient is the straight-through estimator: it passes unchanged where round(x/scale) +
/// zeroPoint lies within quantMin…quantMax and is zero where the value was clamped, as PyTorch's.
public func fakeQuantize(_ x: Tensor, _ q: AffineQuantization) -> Tensor {
    let xc = x.contiguous()
    let n = xc.count
    let inverse = 1 / q.scale, zero = Float(q.zeroPoint), lo = Float(q.quantMin), hi = Float(q.quantMax)
    let source = SendablePointer(xc.basePointer)
    let y = Tensor(shape: x.shape) { out in
        for i in 0..<n {
            let t = (source.pointer[i] * inverse).rounded(.toNearestOrEven) + zero
            out[i] = (Swift.min(Swift.max(t, lo), hi) - zero) * q.scale
        }
    }
    return y.recorded("fakeQuantize", inputs: [xc]) { g in
        let mask = Tensor(shape: xc.shape) { m in
            for i in 0..<n {
                let t = (source.pointer[i] * inverse).rounded(.toNearestOrEven) + zero
                m[i] = t >= lo && t <= hi ? 1 : 0
            }
        }
        return withExtendedLifetime(xc) { [g * mask] }
    }
}

/// Per-output-channel symmetric fake quantization of a weight [out, ...] to int8 (−128…127) with
/// one scale per row (PyTorch's `fake_quantize_per_channel_affine`, axis 0, zero points 0), with the
/// straight-through gradient of `fakeQuantize`.
public func fakeQuantizePerChannel(_ w: Tensor, scales: [Float]) -> Tensor {
    require(w.rank >= 1 && scales.count == w.shape[0] && scales.allSatisfy { $0.isFinite && $0 > 0 },
            "fakeQuantizePerChannel: \(scales.count) finite positive scales needed for weight \(w.shape)")
    let wc = w.contiguous()
    let rows = w.shape[0], width = wc.count / Swift.max(rows, 1)
    let source = SendablePointer(wc.basePointer)
    func code(_ i: Int) -> Float { (source.pointer[i] * (1 / scales[i / width])).rounded(.toNearestOrEven) }
    let y = Tensor(shape: w.shape) { out in
        for i in 0..<wc.count { out[i] = Swift.min(Swift.max(code(i), -128), 127) * scales[i / width] }
    }
    return y.recorded("fakeQuantizePerChannel", inputs: [wc]) { g in
        let mask = Tensor(shape: wc.shape) { m in
            for i in 0..<wc.count { let t = code(i); m[i] = t >= -128 && t <= 127 ? 1 : 0 }
        }
        return withExtendedLifetime(wc) { [g * mask] }
    }
}

/// The per-channel symmetric int8 scales of `weight` [out, ...]: max|w| / 127.5 per row (machine
/// epsilon at least), as `QuantizedWeights(quantizing:)` computes them.
public func perChannelSymmetricScales(_ weight: Tensor) -> [Float] {
    require(weight.rank >= 1, "perChannelSymmetricScales: weight must have an output axis, got \(weight.shape)")
    let rows = weight.shape[0], values = weight.contiguous().scalars
    let width = values.count / Swift.max(rows, 1)
    return (0..<rows).map { r in
        var amax: Float = 0
        for c in 0..<width { amax = Swift.max(amax, abs(values[r * width + c])) }
        return Swift.max(amax / 127.5, Float.ulpOfOne)
    }
}

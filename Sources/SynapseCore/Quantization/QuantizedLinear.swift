/// y = x·Wᵀ + b with W as int8 (`weights`) and x quantized to u8 as `input` says: oneDNN's int8
/// GEMM accumulates Σ (q(x) − zeroPoint)·q(W) in 32-bit integers and scales the sums to f32 by
/// inputScale·weightScale[row]; bias and the optional ReLU follow in f32. `x` is [..., in].
///
/// Inference only: the result carries no gradient history. A non-finite input (NaN, ±inf), which
/// int8 cannot represent, gives rows of NaN, never numbers that look valid.
public func quantizedLinear(_ x: Tensor, weights: QuantizedWeights, bias: Tensor?, input: ActivationQuantization,
                            activation: LinearActivation = .none) -> Tensor {
    let (n, k) = (weights.rows, weights.columns)
    require(x.rank >= 1 && x.shape.last == k,
            "quantizedLinear: input of shape \(x.shape) does not end in the \(k) input features of weight [\(n), \(k)]")
    if let bias { require(bias.shape == [n], "quantizedLinear: bias of shape \(bias.shape) does not match \(n) outputs") }
    let xc = x.contiguous(), bc = bias?.contiguous()
    let m = xc.count / k
    let outShape = Array(x.shape.dropLast()) + [n]
    guard m > 0 else { return Tensor(shape: outShape, scalars: []) }
    guard xc.isAllFinite else { return Tensor(shape: outShape, scalars: [Float](repeating: .nan, count: m * n)) }
    let q: AffineQuantization
    switch input {
    case .fixed(let fixed): q = fixed
    case .dynamic:
        let (lo, hi) = CPUBackend.minMax(xc.basePointer, count: xc.count)
        q = AffineQuantization(min: lo, max: hi)
    }
    let codes = UnsafeMutablePointer<UInt8>.allocate(capacity: m * k)
    defer { codes.deallocate() }
    CPUBackend.quantize(xc.basePointer, count: m * k, with: q, into: codes)
    let scales = weights.scales.map { $0 * q.scale }
    let y = Tensor.produce(outShape) { out in
        QuantizedGEMM.run(codes: codes, m: m, weights: weights, scales: scales, zeroPoint: q.zeroPoint, out: out)
        CPUBackend.addBias(bc?.basePointer, relu: activation == .relu, to: out, rows: m, cols: n)
    }
    withExtendedLifetime((xc, bc, weights)) {}
    return y
}


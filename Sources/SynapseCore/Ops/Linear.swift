/// An activation fused into `linear`.
public enum LinearActivation: Sendable {
    /// No activation.
    case none
    /// max(y, 0).
    case relu
}

/// The affine map y = x·Wᵀ + b of a linear layer, with `weight` [out, in] and `bias` [out] laid
/// out as in PyTorch; `x` is [..., in]. One oneDNN GEMM accumulates onto the broadcast bias.
///
/// `activation` applies ReLU to the result (NaN stays NaN). Without a tape (inference) and for fewer than 8 rows, a
/// dedicated kernel computes bias, product and ReLU in one pass over W, with each thread always
/// handling the same block of W's rows so that block stays in that core's cache between calls.
///
/// Under `autocast(.bfloat16)` (or `.float16`) the input, weight and bias are rounded to bfloat16 (or
/// float16) and the products accumulate in Float32 (see `Autocast`).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation = .none) -> Tensor {
    let precision = Autocast.precision
    if precision != .float32 {
        let y = affine(x.rounded(to: precision), weight: weight.rounded(to: precision), bias: bias?.rounded(to: precision),
                       precision: precision).gradientRounded(to: precision)
        return activation == .relu ? relu(y) : y
    }
    let recording = GradMode.isEnabled && (x.node != nil || weight.node != nil || bias?.node != nil)
    if !recording && x.rank >= 1 && x.count / Swift.max(x.shape[x.rank - 1], 1) < SmallLinear.maxRows
        && weight.rank == 2 && weight.isContiguous && x.shape.last == weight.shape[1] {
        return SmallLinear.apply(x, weight: weight, bias: bias, relu: activation == .relu)
    }
    if !recording && weight.rank == 2 && x.rank >= 1 && x.shape.last == weight.shape[1],
       let y = PrimitiveLinear.apply(x, weight: weight, bias: bias, relu: activation == .relu) {
        return y
    }
    let y = affine(x, weight: weight, bias: bias)
    return activation == .relu ? relu(y) : y
}

/// One layer of `linearChain`: y = x·Wᵀ + b, then ReLU when `relu`.
package struct LinearChainLayer {
    /// [out, in].
    package let weight: Tensor
    /// [out], or nil.
    package let bias: Tensor?
    /// Applies ReLU to the layer's output.
    package let relu: Bool

    /// A layer of the chain.
    package init(weight: Tensor, bias: Tensor?, relu: Bool) {
        self.weight = weight
        self.bias = bias
        self.relu = relu
    }
}

/// Below this many rows `linear` without a tape takes its small-batch kernel, and `linearChain` applies.
package let smallBatchLinearRows = SmallLinear.maxRows

/// `linear` applied layer after layer, for small-batch inference: when every layer would take
/// `linear`'s small-batch kernel (no tape, Float32, fewer than 8 rows, contiguous weights whose shapes
/// chain), the whole chain runs in one parallel region with a barrier between layers rather than one
/// region and one output allocation per layer (an MLP's batch-1 latency is mostly those). The result
/// is bit for bit what `linear` gives layer by layer. Nil when the chain does not take that path;
/// the caller then applies the layers one by one.
package func linearChain(_ x: Tensor, _ layers: [LinearChainLayer]) -> Tensor? {
    guard Autocast.precision == .float32 else { return nil }
    if GradMode.isEnabled && (x.node != nil || layers.contains { $0.weight.node != nil || $0.bias?.node != nil }) {
        return nil
    }
    return SmallLinear.chain(x, layers: layers)
}

/// x·Wᵀ + b on oneDNN's sgemm, recorded on the tape (the training path of `linear`); at `.bfloat16`
/// (`.float16`) the three products run at that precision, and x and W must hold values rounded to it.
func affine(_ x: Tensor, weight: Tensor, bias: Tensor?, precision: ComputePrecision = .float32) -> Tensor {
    require(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let (outF, inF) = (weight.shape[0], weight.shape[1])
    require(x.rank >= 1 && x.shape[x.rank - 1] == inF,
                 "linear: input of shape \(x.shape) does not end in the \(inF) input features of weight \(weight.shape)")
    if let bias { require(bias.shape == [outF], "linear: bias of shape \(bias.shape) does not match \(outF) outputs") }
    let xc = x.contiguous()
    let rows = xc.count / Swift.max(inF, 1)
    let w = MatrixOperand(weight)
    let bc = bias?.contiguous()
    let outShape = Array(x.shape.dropLast()) + [outF]
    let y = (precision == .float32 ? PrimitiveLinear.unpacked(xc, weight: w, bias: bc, shape: outShape) : nil) ?? Tensor.produce(outShape) { out in
        if let bc {
            // The GEMM accumulates onto the broadcast bias. Split across the pool: a serial pass over a
            // [2048, 512] output was 2% of a 2-thread W5 step with the second thread idle.
            let bias = SendablePointer(bc.basePointer), rowsOut = SendablePointer(out)
            parallelChunks(rows, grain: Swift.max(1, elementwiseGrain / Swift.max(outF, 1))) { r in
                for row in r { (rowsOut.pointer + row * outF).update(from: bias.pointer, count: outF) }
            }
        }
        // y[rows, out] = x[rows, in] · Wᵀ: W [out, in] row-major is op(B) with B transposed.
        CPUBackend.gemm(precision, transA: false, transB: !w.transposed, m: rows, n: outF, k: inF,
                   a: xc.basePointer, lda: Swift.max(inF, 1), b: w.tensor.storage.pointer + w.tensor.offset, ldb: w.ld,
                   beta: bc == nil ? 0 : 1, c: out, ldc: Swift.max(outF, 1))
        withExtendedLifetime((w, bc)) {}
    }
    var inputs = [xc, weight]
    if let bias { inputs.append(bias) }
    let xd = xc.detached(), wd = weight.detached()
    let (nx, nw, nb, hasBias) = (x.node != nil, weight.node != nil, bias?.node != nil, bias != nil)
    return y.recorded("linear", inputs: inputs) { g in
        let gc = g.contiguous()
        var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
        if nx {
            // dx[rows, in] = g[rows, out] · W[out, in]
            let wo = MatrixOperand(wd)
            gx = Tensor.produce(xd.shape) { out in
                CPUBackend.gemm(precision, transA: false, transB: wo.transposed, m: rows, n: inF, k: outF,
                           a: gc.basePointer, lda: Swift.max(outF, 1), b: wo.tensor.storage.pointer + wo.tensor.offset, ldb: wo.ld,
                           c: out, ldc: Swift.max(inF, 1))
                withExtendedLifetime(wo) {}
            }
        }
        if nw {
            // dW[out, in] = gᵀ[out, rows] · x[rows, in]
            gw = Tensor.produce([outF, inF]) { out in
                CPUBackend.gemm(precision, transA: true, transB: false, m: outF, n: inF, k: rows,
                           a: gc.basePointer, lda: Swift.max(outF, 1), b: xd.basePointer, ldb: Swift.max(inF, 1),
                           c: out, ldc: Swift.max(inF, 1))
            }
        }
        if nb { gb = gc.reshaped([rows, outF]).sum(dim: 0) }
        withExtendedLifetime(gc) {}
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}

/// Layer normalisation over the trailing `normalizedShape` dimensions (PyTorch
/// `torch.nn.functional.layer_norm`):
///
///     y = (x − E[x]) / √(Var[x] + eps) · weight + bias
///
/// where the mean and the biased variance (divided by N, not N − 1) are taken over the last
/// `normalizedShape.count` dimensions of `x`. `weight` and `bias` (when given) have shape
/// `normalizedShape`. Differentiable in `x`, `weight` and `bias`.
///
/// Stops with a message naming `layerNorm`, the expected trailing shape and the actual shape when
/// `x` does not end in `normalizedShape`.
public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                      eps: Float = 1e-5) -> Tensor {
    let k = normalizedShape.count
    require(k >= 1, "layerNorm: normalizedShape must not be empty")
    require(x.rank >= k && Array(x.shape.suffix(k)) == normalizedShape,
            "layerNorm: expected input [..., \(normalizedShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
    if let weight {
        require(weight.shape == normalizedShape, "layerNorm: weight has shape \(weight.shape), expected \(normalizedShape)")
    }
    if let bias {
        require(bias.shape == normalizedShape, "layerNorm: bias has shape \(bias.shape), expected \(normalizedShape)")
    }
    // One fused kernel (forward and backward) over rows of the flattened normalised dimensions.
    return layerNormRows(x, cols: normalizedShape.reduce(1, *), weight: weight, bias: bias, eps: eps)
}

/// The composite form of `layerNorm` from primitive ops (mean, subtraction, variance, division),
/// kept as the reference the fused kernel is tested against.
package func layerNormComposite(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                                eps: Float = 1e-5) -> Tensor {
    let k = normalizedShape.count
    let dims = Array((x.rank - k)..<x.rank)
    let centered = x - x.mean(dims: dims, keepdim: true)
    let variance = square(centered).mean(dims: dims, keepdim: true)
    var y = centered / sqrt(variance + eps)
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
}

/// Layer normalisation over the last `cols` elements of each row of x (cols = the element count of
/// the normalised trailing dimensions), as one fused op: y = (x − μ)·rstd·w + b with the biased
/// variance. The forward pass keeps μ and rstd per row; the backward pass computes dx, dw and db in
/// one sweep over the rows (each thread sums its own dw/db, added up at the end). Replaces the ten
/// or so primitive ops (and buffers) of the composite formula.
private func layerNormRows(_ x: Tensor, cols: Int, weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
    require(cols > 0 && x.count % cols == 0, "layerNorm: \(cols) normalised elements do not divide input \(x.shape)")
    if let weight { require(weight.count == cols, "layerNorm: weight \(weight.shape) does not have \(cols) elements") }
    if let bias { require(bias.count == cols, "layerNorm: bias \(bias.shape) does not have \(cols) elements") }
    let xc = x.contiguous(), wc = weight?.contiguous(), bc = bias?.contiguous()
    let rows = xc.count / cols
    let stats = TensorStorage(uninitializedCount: 2 * Swift.max(rows, 1))   // μ then rstd
    let y = Tensor.produce(xc.shape) { out in
        CPUBackend.layerNormRows(xc.basePointer, weight: wc?.basePointer, bias: bc?.basePointer, into: out,
                                 mean: stats.pointer, rstd: stats.pointer + rows, rows: rows, cols: cols, eps: eps)
    }
    withExtendedLifetime((xc, wc, bc)) {}
    var inputs = [xc]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    let xd = xc.detached(), wd = wc?.detached()
    let (wShape, bShape) = (weight?.shape, bias?.shape)
    let (needW, needB) = (weight?.node != nil, bias?.node != nil)
    return y.recorded("layerNorm", inputs: inputs) { g in
        let gc = g.contiguous()
        let dw = needW ? TensorStorage(uninitializedCount: cols) : nil
        let db = needB ? TensorStorage(uninitializedCount: cols) : nil
        let dx = Tensor.produce(xd.shape) { out in
            CPUBackend.layerNormRowsBackward(xd.basePointer, weight: wd?.basePointer, mean: stats.pointer,
                                             rstd: stats.pointer + rows, dy: gc.basePointer, into: out,
                                             weightGradient: dw?.pointer, biasGradient: db?.pointer, rows: rows, cols: cols)
        }
        var grads: [Tensor?] = [dx]
        if let wShape { grads.append(dw.map { Tensor(storage: $0, shape: wShape) }) }
        if let bShape { grads.append(db.map { Tensor(storage: $0, shape: bShape) }) }
        return withExtendedLifetime((gc, xd, wd, stats)) { grads }
    }
}

/// softmax(scale·scores + causal mask) over the last dimension of scores [..., L, S], in one fused
/// op: key j > query i gets probability 0 (top-left aligned, PyTorch's `is_causal`). It replaces
/// a scale, a mask addition and a softmax, with their three buffers and three backward passes.
/// Its backward pass is scale·y ⊙ (dy − Σ dy ⊙ y) per row.
package func causalSoftmax(_ scores: Tensor, scale: Float) -> Tensor {
    require(scores.rank >= 2, "causalSoftmax: scores must be [..., L, S], got \(scores.shape)")
    let x = scores.contiguous()
    let l = x.shape[x.rank - 2], s = x.shape[x.rank - 1]
    let rows = x.count / Swift.max(s, 1)
    let y = Tensor.produce(x.shape) { out in
        CPUBackend.causalSoftmaxRows(x.basePointer, into: out, rows: rows, queryLength: l, keyLength: s, scale: scale)
    }
    withExtendedLifetime(x) {}
    let saved = y
    return y.recorded("causalSoftmax", inputs: [x]) { g in
        let gc = g.contiguous()
        let dx = Tensor.produce(saved.shape) { out in
            CPUBackend.causalSoftmaxRowsBackward(y: saved.basePointer, dy: gc.basePointer, into: out, rows: rows,
                                                 queryLength: l, keyLength: s, scale: scale)
        }
        return withExtendedLifetime((gc, saved)) { [dx] }
    }
}

/// The time loop of one LSTM layer and direction as a single differentiable op.
///
/// `gatesX` [T, N, 4H] holds the input projections x_t·W_ihᵀ + b_ih of every step (one GEMM by the
/// caller); per step this op computes h_{t−1}·W_hhᵀ + b_hh (one oneDNN matmul on W_hh packed once
/// per sequence, see `RepeatedMatmul`), then one C kernel adds the two projections, applies the
/// gate non-linearities (i, f, g, o order) and the cell update. The backward pass runs the steps in
/// reverse with the fused cell-backward kernel and one product per step for dh_{t−1}, then gets
/// dW_hh for all steps from one large sgemm over the saved hidden states. Compared with composing tensor ops, it keeps no per-step autodiff nodes and
/// allocates nothing per step. On a thread team, a batch with enough rows runs split by rows: each
/// thread runs the whole time loop, forward and backward, on its own rows with no barrier per step
/// (`RecurrentBatchSplit`; its gain on W4 is in BENCHMARKS.md).
///
/// - Parameters:
///   - gatesX: [T, N, 4H] input projections.
///   - weightHH: [4H, H]; biasHH: [4H] or nil.
///   - h0, c0: [N, H] initial states.
///   - reverse: run from step T−1 down to 0 (the backward direction of a bidirectional layer).
/// - Returns: [T + 2, N, H]: rows 0..<T are h_t in time order, row T the final h, row T + 1 the final c.
package func lstmRecurrence(_ gatesX: Tensor, weightHH: Tensor, biasHH: Tensor?, h0: Tensor, c0: Tensor,
                            reverse: Bool) -> Tensor {
    require(gatesX.rank == 3 && gatesX.shape[2] % 4 == 0,
            "LSTM: gate projections must be [T, N, 4·hidden], got \(gatesX.shape)")
    let (steps, n, g4) = (gatesX.shape[0], gatesX.shape[1], gatesX.shape[2])
    let hs = g4 / 4
    require(weightHH.shape == [g4, hs], "LSTM: weight_hh must be [\(g4), \(hs)], got \(weightHH.shape)")
    if let biasHH { require(biasHH.shape == [g4], "LSTM: bias_hh must be [\(g4)], got \(biasHH.shape)") }
    require(h0.shape == [n, hs] && c0.shape == [n, hs],
            "LSTM: initial states must be [\(n), \(hs)], got h0 \(h0.shape) and c0 \(c0.shape)")
    let gx = gatesX.contiguous(), w = weightHH.contiguous(), b = biasHH?.contiguous()
    let h0c = h0.contiguous(), c0c = c0.contiguous()
    let (stepG, stepH) = (n * g4, n * hs)
    // Saved for the backward pass, in processing order s (time t = s, or T−1−s in reverse):
    // the gate activations, the cell states (c_{-1} = c0 first) and tanh of each cell state.
    let acts = TensorStorage(uninitializedCount: Swift.max(steps * stepG, 1))
    let cells = TensorStorage(uninitializedCount: (steps + 1) * stepH)
    let tanhC = TensorStorage(uninitializedCount: Swift.max(steps * stepH, 1))
    func time(_ s: Int) -> Int { reverse ? steps - 1 - s : s }
    let grain = Swift.max(1, 4_096 / Swift.max(hs, 1))
    let split = RecurrentBatchSplit(rows: n)
    // h·W_hhᵀ + b_hh per step on W_hh packed once for the whole sequence.
    let hiddenProducts = split.products { rows in
        RepeatedMatmul(m: rows, n: g4, k: hs, b: w.basePointer, bRowStride: 1, bColStride: hs,
                       bias: b?.basePointer, uses: steps)
    }
    let hw = TensorStorage(uninitializedCount: stepG)
    let y = Tensor.produce([steps + 2, n, hs]) { out in
        cells.pointer.update(from: c0c.basePointer, count: stepH)
        let (ap, cp, tp, op) = (SendablePointer(acts.pointer), SendablePointer(cells.pointer),
                                SendablePointer(tanhC.pointer), SendablePointer(out))
        let (xp, hp) = (SendablePointer(gx.basePointer), SendablePointer(hw.pointer))
        // The cell update of rows [lo, lo + cnt) at processing step s.
        func cell(_ s: Int, _ lo: Int, _ cnt: Int) {
            let t = time(s)
            CPUBackend.lstmCellForward(gx: xp.pointer + t * stepG + lo * g4, hw: hp.pointer + lo * g4,
                                       gates: ap.pointer + s * stepG + lo * g4, cPrevious: cp.pointer + s * stepH + lo * hs,
                                       c: cp.pointer + (s + 1) * stepH + lo * hs, tanhC: tp.pointer + s * stepH + lo * hs,
                                       h: op.pointer + t * stepH + lo * hs, rows: cnt, hiddenSize: hs)
        }
        split.run { lo, cnt, shared in
            let product = hiddenProducts[cnt]!
            for s in 0..<steps {
                let previous: UnsafePointer<Float> = s == 0 ? UnsafePointer(h0c.basePointer) : UnsafePointer(out + time(s - 1) * stepH)
                product.run(previous + lo * hs, into: hw.pointer + lo * g4)
                RecurrentBatchSplit.forRows(lo, cnt, shared: shared, grain: grain) { cell(s, $0, $1) }
            }
        }
        if steps > 0 {
            (out + steps * stepH).update(from: out + time(steps - 1) * stepH, count: stepH)
        } else {
            out.update(from: h0c.basePointer, count: stepH)
        }
        (out + (steps + 1) * stepH).update(from: cells.pointer + steps * stepH, count: stepH)
    }
    withExtendedLifetime((gx, b, hw, hiddenProducts)) {}
    var inputs = [gx, weightHH]
    if let biasHH { inputs.append(biasHH) }
    inputs += [h0, c0]
    let saved = y.detached()
    let hasBias = biasHH != nil
    return y.recorded("lstm", inputs: inputs) { g in
        let gc = g.contiguous()
        let dgates = TensorStorage(uninitializedCount: Swift.max(steps * stepG, 1))   // time order
        let dh = Tensor.produce([n, hs]) { $0.update(from: gc.basePointer + steps * stepH, count: stepH) }
        let dc = Tensor.produce([n, hs]) { $0.update(from: gc.basePointer + (steps + 1) * stepH, count: stepH) }
        let (ap, cp, tp) = (SendablePointer(acts.pointer), SendablePointer(cells.pointer), SendablePointer(tanhC.pointer))
        let (dgp, dhp, dcp) = (SendablePointer(dgates.pointer), SendablePointer(dh.basePointer), SendablePointer(dc.basePointer))
        let gp = SendablePointer(gc.basePointer)
        // dh_{t−1} = dgates_t·W_hh per step, W_hh packed once.
        let split = RecurrentBatchSplit(rows: n)
        let hiddenGradients = split.products { rows in
            RepeatedMatmul(m: rows, n: hs, k: g4, b: w.basePointer, bRowStride: hs, bColStride: 1, bias: nil,
                           uses: steps)
        }
        // dh_t = (gradient from step t + 1) + (gradient of output t), added inside the kernel.
        func cell(_ s: Int, _ lo: Int, _ cnt: Int) {
            let t = time(s)
            CPUBackend.lstmCellBackward(gates: ap.pointer + s * stepG + lo * g4, cPrevious: cp.pointer + s * stepH + lo * hs,
                                        tanhC: tp.pointer + s * stepH + lo * hs, dh: dhp.pointer + lo * hs,
                                        dhOutput: gp.pointer + t * stepH + lo * hs,
                                        dc: dcp.pointer + lo * hs, dgates: dgp.pointer + t * stepG + lo * g4,
                                        rows: cnt, hiddenSize: hs)
        }
        split.run { lo, cnt, shared in
            let product = hiddenGradients[cnt]!
            for s in stride(from: steps - 1, through: 0, by: -1) {
                RecurrentBatchSplit.forRows(lo, cnt, shared: shared, grain: grain) { cell(s, $0, $1) }
                product.run(dgp.pointer + time(s) * stepG + lo * g4, into: dhp.pointer + lo * hs)
            }
        }
        // dW_hh = Σ_t dgates_tᵀ · h_{t−1}: the first processed step used h0, the others the saved
        // outputs, which sit contiguously in time order.
        let dw = Tensor.produce([g4, hs]) { out in
            guard steps > 0 else { out.update(repeating: 0, count: g4 * hs); return }
            let first = time(0)
            DNNL.sgemm(transA: true, transB: false, m: g4, n: hs, k: n, a: dgates.pointer + first * stepG, lda: g4,
                       b: h0c.basePointer, ldb: hs, c: out, ldc: hs)
            if steps > 1 {
                // forward: dgates[1..<T] with h[0..<T−1]; reverse: dgates[0..<T−1] with h[1..<T].
                let (gStart, hStart) = reverse ? (0, 1) : (1, 0)
                DNNL.sgemm(transA: true, transB: false, m: g4, n: hs, k: (steps - 1) * n,
                           a: dgates.pointer + gStart * stepG, lda: g4, b: saved.basePointer + hStart * stepH, ldb: hs,
                           beta: 1, c: out, ldc: hs)
            }
        }
        let dgx = Tensor(storage: dgates, shape: [steps, n, g4])
        var grads: [Tensor?] = [dgx, dw]
        if hasBias {
            grads.append(Tensor.produce([g4]) { out in
                out.update(repeating: 0, count: g4)
                CPUBackend.addColumnSums(of: dgates.pointer, into: out, rows: steps * n, cols: g4)
            })
        }
        grads += [dh, dc]
        return withExtendedLifetime((gc, acts, cells, tanhC, saved, w, h0c, hiddenGradients)) { grads }
    }
}

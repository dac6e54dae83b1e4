import CKernels

/// Per-row cross-entropy of logits [N, C] against class indices, as one fused op: the forward pass
/// writes each row's softmax (kept for the backward pass) and lse(x) − x[t]; the backward pass is
/// (softmax − onehot(t))·g in one sweep. Rows whose target is `ignoreIndex` give 0 and no gradient.
///
/// Returns the losses [N]; the caller reduces them. Targets must lie in 0..<C (or be `ignoreIndex`).
package func crossEntropyRows(_ logits: Tensor, _ target: [Int], ignoreIndex: Int) -> Tensor {
    require(logits.rank == 2 && target.count == logits.shape[0],
            "crossEntropy: expected logits [N, C] and N targets, got \(logits.shape) and \(target.count) targets")
    let n = logits.shape[0], c = logits.shape[1]
    for t in target where t != ignoreIndex {
        require(t >= 0 && t < c, "crossEntropy: target \(t) out of range for \(c) classes")
    }
    let x = logits.contiguous()
    let probs = TensorStorage(uninitializedCount: n * c)
    let grain = Swift.max(1, 16_384 / Swift.max(c, 1))
    let loss = target.withUnsafeBufferPointer { tb in
        Tensor.produce([n]) { out in
            let (xp, pp, lp) = (SendablePointer(x.basePointer), SendablePointer(probs.pointer), SendablePointer(out))
            let tp = SendablePointer(tb.baseAddress!)
            ThreadPool.shared.parallelFor(n, grain: grain) { r in
                syn_cross_entropy_rows(xp.pointer, tp.pointer, pp.pointer, lp.pointer, r.lowerBound, r.upperBound, c, ignoreIndex)
            }
        }
    }
    withExtendedLifetime(x) {}
    return loss.recorded("crossEntropy", inputs: [x]) { g in
        let gc = g.contiguous()
        let dx = target.withUnsafeBufferPointer { tb in
            Tensor.produce([n, c]) { out in
                let (pp, dp, gp) = (SendablePointer(probs.pointer), SendablePointer(out), SendablePointer(gc.basePointer))
                let tp = SendablePointer(tb.baseAddress!)
                ThreadPool.shared.parallelFor(n, grain: grain) { r in
                    syn_cross_entropy_rows_backward(pp.pointer, tp.pointer, dp.pointer, r.lowerBound, r.upperBound, c,
                                                    ignoreIndex, 0, gp.pointer)
                }
            }
        }
        return withExtendedLifetime((gc, probs)) { [dx] }
    }
}

/// Cross-entropy between logits and class indices (PyTorch `cross_entropy`), fused: one pass of a C
/// kernel computes the softmax and the loss, and (on backward) another writes the gradient
/// w.r.t. the logits. Class weights, label smoothing and `ignoreIndex` all run in the same kernel.
///
/// - Parameters:
///   - logits: [N, C] or [N, C, d1, ...] unnormalised scores.
///   - target: class indices [N] or [N, d1, ...]; entries equal to `ignoreIndex` contribute nothing.
///   - weight: optional per-class weights [C] (not differentiated, as in PyTorch).
///   - ignoreIndex: the target value whose entries are skipped.
///   - labelSmoothing: ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/C.
///   - reduction: `.mean` divides by the total weight of non-ignored targets, as PyTorch does.
public func crossEntropy(_ logits: Tensor, _ target: IntTensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         labelSmoothing: Float = 0, reduction: Reduction = .mean) -> Tensor {
    require(logits.rank >= 2, "crossEntropy: logits must be [N, C, ...], got \(logits.shape)")
    require(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
    let expectedTarget = [logits.shape[0]] + Array(logits.shape.dropFirst(2))
    require(target.shape == expectedTarget,
            "crossEntropy: target shape \(target.shape) does not match logits \(logits.shape) (expected \(expectedTarget))")
    if logits.rank > 2 {
        // Move classes last and flatten the rest into rows.
        var perm = [0] + Array(2..<logits.rank)
        perm.append(1)
        let rows = logits.permuted(perm).reshaped([-1, logits.shape[1]])
        let flat = IntTensor(shape: [target.count], scalars: target.scalars)
        let loss = crossEntropy(rows, flat, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing,
                                reduction: reduction)
        return reduction == .none ? loss.reshaped(target.shape) : loss
    }
    let c = logits.shape[1]
    let classWeight = weight.map { w -> [Float] in
        require(w.shape == [c], "crossEntropy: weight shape \(w.shape) does not match \(c) classes")
        return w.scalars
    }
    let losses = crossEntropyRows(logits, target.scalars, weight: classWeight, labelSmoothing: labelSmoothing,
                                  ignoreIndex: ignoreIndex)
    switch reduction {
    case .none: return losses
    case .sum: return losses.sum()
    case .mean:
        // PyTorch divides by the summed weights of the targets (their count without weights), so a
        // weighted mean is a weighted average; all targets ignored gives 0 / 0 = NaN, as there.
        let kept = target.scalars.lazy.filter { $0 != ignoreIndex }
        let total = classWeight.map { w in kept.reduce(Float(0)) { $0 + w[$1] } } ?? Float(kept.count)
        return losses.sum() / total
    }
}

/// Cross-entropy with class-probability targets [N, C] (PyTorch `cross_entropy` with float targets),
/// composed from `logSoftmax` (whose VJP it uses).
public func crossEntropy(_ logits: Tensor, probabilities target: Tensor, weight: Tensor? = nil,
                         labelSmoothing: Float = 0, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(logits, target, "crossEntropy")
    let c = Float(logits.shape[1])
    var y = target.detached()
    if labelSmoothing > 0 { y = y * (1 - labelSmoothing) + labelSmoothing / c }
    var terms = logSoftmax(logits, dim: 1) * y
    if let weight {
        var shape = [Int](repeating: 1, count: logits.rank)
        shape[1] = logits.shape[1]
        terms = terms * weight.detached().reshaped(shape)
    }
    let perExample = -terms.sum(dim: 1)
    return reduction.apply(perExample)
}

/// Per-row cross-entropy of logits [N, C] against class indices, as one fused op: the forward pass
/// writes each row's softmax (kept for the backward pass) and its loss
/// (1 − ε)·w[t]·(lse(x) − x[t]) + ε/C·Σ_j w[j]·(lse(x) − x[j]); the backward pass writes
/// ((1 − ε)·w[t]·(p − onehot(t)) + ε/C·(W·p − w))·g in one sweep (W = Σ w). Rows whose target is
/// `ignoreIndex` give 0 and no gradient. Without weights and smoothing the kernels take their plain
/// branch: lse(x) − x[t] and (p − onehot(t))·g.
///
/// Returns the losses [N]; the caller reduces them. Targets must lie in 0..<C (or be `ignoreIndex`);
/// `weight`, when given, has C entries.
package func crossEntropyRows(_ logits: Tensor, _ target: [Int], weight: [Float]? = nil, labelSmoothing: Float = 0,
                              ignoreIndex: Int) -> Tensor {
    require(logits.rank == 2 && target.count == logits.shape[0],
            "crossEntropy: expected logits [N, C] and N targets, got \(logits.shape) and \(target.count) targets")
    let n = logits.shape[0], c = logits.shape[1]
    require(weight == nil || weight!.count == c, "crossEntropy: \(weight?.count ?? 0) class weights for \(c) classes")
    for t in target where t != ignoreIndex {
        require(t >= 0 && t < c, "crossEntropy: target \(t) out of range for \(c) classes")
    }
    let x = logits.contiguous()
    let probs = TensorStorage(uninitializedCount: n * c)
    let eps = labelSmoothing
    let loss = target.withUnsafeBufferPointer { tb in
        weight.withOptionalBufferPointer { wp in
            Tensor.produce([n]) { out in
                CPUBackend.crossEntropyRows(x.basePointer, targets: tb.baseAddress!, classWeights: wp, labelSmoothing: eps,
                                            ignoreIndex: ignoreIndex, probabilities: probs.pointer, losses: out,
                                            rows: n, classes: c)
            }
        }
    }
    withExtendedLifetime(x) {}
    return loss.recorded("crossEntropy", inputs: [x]) { g in
        let gc = g.contiguous()
        let dx = target.withUnsafeBufferPointer { tb in
            weight.withOptionalBufferPointer { wp in
                Tensor.produce([n, c]) { out in
                    CPUBackend.crossEntropyRowsBackward(probabilities: probs.pointer, targets: tb.baseAddress!,
                                                        classWeights: wp, labelSmoothing: eps, ignoreIndex: ignoreIndex,
                                                        rowGradients: gc.basePointer, into: out, rows: n, classes: c)
                }
            }
        }
        return withExtendedLifetime((gc, probs)) { [dx] }
    }
}

private extension Optional where Wrapped == [Float] {
    /// Runs `body` with the array's base address, or nil when there is no array (a C `NULL`).
    func withOptionalBufferPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

import Foundation
import SynapseCore

/// Cross-entropy between logits and class indices (PyTorch `cross_entropy`), fused: one pass
/// computes log-softmax, the loss, and (on backward) the gradient softmax − target.
///
/// - Parameters:
///   - logits: [N, C] or [N, C, d1, ...] unnormalised scores.
///   - target: class indices [N] or [N, d1, ...]; entries equal to `ignoreIndex` contribute nothing.
///   - weight: optional per-class weights [C].
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
        let loss = crossEntropy(rows, flat, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
        return reduction == .none ? loss.reshaped(target.shape) : loss
    }
    return FusedCrossEntropy.apply(logits, target, weight: weight, ignoreIndex: ignoreIndex,
                                   smoothing: labelSmoothing, reduction: reduction)
}

/// Cross-entropy with class-probability targets [N, C] (PyTorch `cross_entropy` with float targets).
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

/// Negative log-likelihood of log-probabilities [N, C] at class indices [N] (PyTorch `nll_loss`).
public func nllLoss(_ logProbs: Tensor, _ target: IntTensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) -> Tensor {
    require(logProbs.rank == 2 && target.shape == [logProbs.shape[0]],
                 "nllLoss: expected log-probabilities [N, C] and targets [N], got \(logProbs.shape) and \(target.shape)")
    let c = logProbs.shape[1]
    let w = weight?.scalars
    var safe = target.scalars, rowWeight = [Float](repeating: 0, count: target.count)
    for (i, t) in target.scalars.enumerated() {
        if t == ignoreIndex { safe[i] = 0; continue }
        require(t >= 0 && t < c, "nllLoss: target \(t) out of range for \(c) classes")
        rowWeight[i] = w?[t] ?? 1
    }
    let picked = logProbs.gather(dim: 1, index: IntTensor(shape: [target.count, 1], scalars: safe)).reshaped([-1])
    let losses = -(picked * Tensor(rowWeight))
    switch reduction {
    case .none: return losses
    case .sum: return losses.sum()
    case .mean: return losses.sum() / rowWeight.reduce(0, +)
    }
}

/// The fused [N, C] cross-entropy and its VJP: `crossEntropyRows` (C kernels) without class weights
/// or label smoothing, a Swift loop handling both otherwise.
enum FusedCrossEntropy {
    static func apply(_ logits: Tensor, _ target: IntTensor, weight: Tensor?, ignoreIndex: Int,
                      smoothing eps: Float, reduction: Reduction) -> Tensor {
        if weight == nil && eps == 0 {
            // The common case (language models, classifiers): the C row kernel, forward and backward.
            let losses = crossEntropyRows(logits, target.scalars, ignoreIndex: ignoreIndex)
            switch reduction {
            case .none: return losses
            case .sum: return losses.sum()
            case .mean: return losses.sum() / Float(target.scalars.lazy.filter { $0 != ignoreIndex }.count)
            }
        }
        let n = logits.shape[0], c = logits.shape[1]
        let x = logits.contiguous()
        let classWeight = weight.map { w -> [Float] in
            require(w.shape == [c], "crossEntropy: weight shape \(w.shape) does not match \(c) classes")
            return w.scalars
        }
        let weightTotal = classWeight?.reduce(0, +) ?? Float(c)
        // Softmax probabilities are saved for the backward pass.
        var probs = [Float](repeating: 0, count: n * c)
        var perRow = [Float](repeating: 0, count: n)
        var rowTargetWeight = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in
            for i in 0..<n {
                let t = target.scalars[i]
                if t == ignoreIndex { continue }
                require(t >= 0 && t < c, "crossEntropy: target \(t) out of range for \(c) classes")
                let row = xb.baseAddress! + i * c
                var m = -Float.infinity
                for j in 0..<c { m = Swift.max(m, row[j]) }
                var s: Float = 0
                for j in 0..<c { let e = Foundation.exp(row[j] - m); probs[i * c + j] = e; s += e }
                let lse = m + Foundation.log(s)
                let inv = 1 / s
                for j in 0..<c { probs[i * c + j] *= inv }
                let wt = classWeight?[t] ?? 1
                var loss = (1 - eps) * wt * (lse - row[t])
                if eps > 0 {
                    var smooth: Float = 0
                    for j in 0..<c { smooth += (classWeight?[j] ?? 1) * (lse - row[j]) }
                    loss += eps / Float(c) * smooth
                }
                perRow[i] = loss
                rowTargetWeight[i] = wt
            }
        }
        let denominator: Float = reduction == .mean ? rowTargetWeight.reduce(0, +) : 1
        let out: Tensor
        switch reduction {
        case .none: out = Tensor(perRow)
        case .sum: out = Tensor(perRow.reduce(0, +))
        case .mean: out = Tensor(perRow.reduce(0, +) / denominator)
        }
        return out.recorded("crossEntropy", inputs: [x]) { g in
            let gs = g.scalars
            let dx = Tensor(shape: [n, c]) { d in
                for i in 0..<n {
                    let t = target.scalars[i]
                    let base = i * c
                    if t == ignoreIndex { for j in 0..<c { d[base + j] = 0 }; continue }
                    let scale = (reduction == .none ? gs[i] : gs[0]) / denominator
                    let wt = rowTargetWeight[i]
                    for j in 0..<c {
                        let p = probs[base + j]
                        var v = (1 - eps) * wt * (p - (j == t ? 1 : 0))
                        if eps > 0 { v += eps / Float(c) * (weightTotal * p - (classWeight?[j] ?? 1)) }
                        d[base + j] = v * scale
                    }
                }
            }
            return [dx]
        }
    }
}

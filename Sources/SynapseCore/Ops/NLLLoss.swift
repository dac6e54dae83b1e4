/// Negative log-likelihood of log-probabilities [N, C] at class indices [N] (PyTorch `nll_loss`),
/// composed from `gather` (whose VJP it uses). `.mean` divides by the total weight of the
/// non-ignored targets, as PyTorch does.
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

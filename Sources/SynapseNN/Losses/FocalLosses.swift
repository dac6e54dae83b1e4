import SynapseCore

/// Focal loss for binary targets (Lin et al. 2017), as torchvision's `sigmoid_focal_loss`: binary
/// cross-entropy on the logits times (1 − p_t)^γ, p_t the probability of the true label, and times
/// α for positives and 1 − α for negatives (α < 0: no weighting). It down-weights the easy, mostly
/// negative examples that dominate heavily imbalanced data.
public func sigmoidFocalLoss(_ logits: Tensor, _ target: Tensor, alpha: Float = 0.25, gamma: Float = 2,
                             reduction: Reduction = .mean) -> Tensor {
    checkSameShape(logits, target, "sigmoidFocalLoss")
    require(gamma >= 0, "sigmoidFocalLoss: gamma must be ≥ 0, got \(gamma)")
    let t = target.detached()
    let p = sigmoid(logits)
    let ce = binaryCrossEntropyWithLogits(logits, t, reduction: .none)
    let pT = p * t + (1 - p) * (1 - t)
    var loss = ce * pow(1 - pT, gamma)
    if alpha >= 0 { loss = (alpha * t + (1 - alpha) * (1 - t)) * loss }
    return reduction.apply(loss)
}

/// Focal loss over classes (Lin et al. 2017, softmax form): −α_y·(1 − p_y)^γ·log p_y per row of
/// `logits` [N, C] with class y; `alpha` [C] weighs the classes (nil: 1). γ = 0 and no α is the
/// cross-entropy.
public func focalLoss(_ logits: Tensor, _ target: IntTensor, gamma: Float = 2, alpha: Tensor? = nil,
                      reduction: Reduction = .mean) -> Tensor {
    require(logits.rank == 2 && target.shape == [logits.shape[0]],
            "focalLoss: expected logits [N, C] and target [N], got \(logits.shape) and \(target.shape)")
    require(gamma >= 0, "focalLoss: gamma must be ≥ 0, got \(gamma)")
    let (n, c) = (logits.shape[0], logits.shape[1])
    let labels = target.scalars
    require(labels.allSatisfy { (0..<c).contains($0) }, "focalLoss: a target is outside the \(c) classes")
    let logP = logSoftmax(logits, dim: 1).gather(dim: 1, index: IntTensor(shape: [n, 1], scalars: labels)).reshaped([n])
    var loss = -pow(1 - exp(logP), gamma) * logP
    if let alpha {
        require(alpha.shape == [c], "focalLoss: alpha must have one value per class [\(c)], got \(alpha.shape)")
        let a = alpha.detached().scalars
        loss = loss * Tensor(shape: [n], scalars: labels.map { a[$0] })
    }
    return reduction.apply(loss)
}

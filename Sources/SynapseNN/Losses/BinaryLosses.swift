import SynapseCore

/// Binary cross-entropy on logits, computed stably (PyTorch `binary_cross_entropy_with_logits`):
/// ℓ = (1 − y)·x + (1 + (pw − 1)·y)·softplus(−x), times `weight`.
/// `posWeight` broadcasts over the last (class) dimension.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                         posWeight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(logits, target, "binaryCrossEntropyWithLogits")
    let y = target.detached()
    let logWeight = posWeight.map { 1 + ($0.detached() - 1) * y } ?? Tensor(1)
    var loss = (1 - y) * logits + logWeight * softplus(-logits)
    if let weight { loss = loss * weight.detached() }
    return reduction.apply(loss)
}

/// Binary cross-entropy on probabilities in [0, 1] (PyTorch `binary_cross_entropy`); logs are
/// clamped at −100 as PyTorch does, so p = 0 or 1 gives a finite loss.
public func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "binaryCrossEntropy")
    let y = target.detached()
    let logP = Tensor.maximum(log(input), Tensor(-100))
    let log1mP = Tensor.maximum(log(1 - input), Tensor(-100))
    var loss = -(y * logP + (1 - y) * log1mP)
    if let weight { loss = loss * weight.detached() }
    return reduction.apply(loss)
}

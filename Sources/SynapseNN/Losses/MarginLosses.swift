import SynapseCore

/// Margin ranking loss (PyTorch `margin_ranking_loss`): max(0, −y·(x₁ − x₂) + margin), where
/// y = 1 says x₁ should rank above x₂ and y = −1 below.
public func marginRankingLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Float = 0,
                              reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input1, input2, "marginRankingLoss")
    checkSameShape(input1, target, "marginRankingLoss")
    return reduction.apply(relu(-target.detached() * (input1 - input2) + margin))
}

/// Hinge embedding loss (PyTorch `hinge_embedding_loss`): x where y = 1 and max(0, margin − x)
/// where y = −1 — for `input` a distance between two examples, y saying whether they are alike.
public func hingeEmbeddingLoss(_ input: Tensor, _ target: Tensor, margin: Float = 1, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "hingeEmbeddingLoss")
    let y = target.detached()
    let loss = y.ne(-1) * input + y.ne(1) * relu(margin - input)
    return reduction.apply(loss)
}

/// Multi-class hinge loss (PyTorch `multi_margin_loss`): for each row of `input` [N, C] with class
/// y, Σ_{j≠y} max(0, margin − x_y + x_j)ᵖ / C, each term times `weight[y]` when given (p is 1 or 2).
public func multiMarginLoss(_ input: Tensor, _ target: IntTensor, p: Int = 1, margin: Float = 1, weight: Tensor? = nil,
                            reduction: Reduction = .mean) -> Tensor {
    require(input.rank == 2 && target.shape == [input.shape[0]],
            "multiMarginLoss: expected input [N, C] and target [N], got \(input.shape) and \(target.shape)")
    require(p == 1 || p == 2, "multiMarginLoss: p must be 1 or 2, got \(p)")
    let (n, c) = (input.shape[0], input.shape[1])
    let labels = target.scalars
    require(labels.allSatisfy { (0..<c).contains($0) }, "multiMarginLoss: a target is outside the \(c) classes")
    let column = IntTensor(shape: [n, 1], scalars: labels)
    let own = input.gather(dim: 1, index: column)                                   // [N, 1]
    var hinge = relu(margin - own + input)
    if p == 2 { hinge = square(hinge) }
    // Each row's own class is left out of the sum.
    let others = Tensor(shape: [n, c]) { b in
        for i in b.indices { b[i] = labels[i / c] == i % c ? 0 : 1 }
    }
    var terms = hinge * others
    if let weight {
        require(weight.shape == [c], "multiMarginLoss: weight must have one value per class [\(c)], got \(weight.shape)")
        let w = weight.detached().scalars
        terms = terms * Tensor(shape: [n, 1], scalars: labels.map { w[$0] })
    }
    return reduction.apply(terms.sum(dim: 1) / Float(c))
}

/// Cosine embedding loss (PyTorch `cosine_embedding_loss`): 1 − cos(x₁, x₂) where y = 1 and
/// max(0, cos(x₁, x₂) − margin) where y = −1, the cosine over each row of [N, D] inputs (squared
/// norms offset by 1e-12, as PyTorch).
public func cosineEmbeddingLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Float = 0,
                                reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input1, input2, "cosineEmbeddingLoss")
    require(input1.rank == 2 && target.shape == [input1.shape[0]],
            "cosineEmbeddingLoss: expected inputs [N, D] and target [N], got \(input1.shape) and \(target.shape)")
    let dot = (input1 * input2).sum(dim: 1)
    let cosine = dot / sqrt(((input1 * input1).sum(dim: 1) + 1e-12) * ((input2 * input2).sum(dim: 1) + 1e-12))
    let y = target.detached()
    return reduction.apply(y.eq(1) * (1 - cosine) + y.eq(-1) * relu(cosine - margin))
}

/// The p-norm distance between the rows of `x1` and `x2` [N, D] (PyTorch `pairwise_distance`):
/// ‖x₁ − x₂ + eps‖ₚ, the eps keeping the gradient finite for identical rows.
public func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Float = 2, eps: Float = 1e-6) -> Tensor {
    checkSameShape(x1, x2, "pairwiseDistance")
    require(p > 0, "pairwiseDistance: p must be positive, got \(p)")
    let difference = x1 - x2 + eps
    let last = Swift.max(x1.rank - 1, 0)
    if p == 2 { return sqrt(square(difference).sum(dim: last)) }
    if p == 1 { return abs(difference).sum(dim: last) }
    return pow(pow(abs(difference), p).sum(dim: last), 1 / p)
}

/// Triplet margin loss (PyTorch `triplet_margin_loss`): max(0, d(a, p) − d(a, n) + margin) with
/// `pairwiseDistance`; with `swap`, d(a, n) is replaced by the smaller of it and d(p, n)
/// (Balntas et al. 2016).
public func tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: Float = 1, p: Float = 2, eps: Float = 1e-6,
                              swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(anchor, positive, "tripletMarginLoss")
    checkSameShape(anchor, negative, "tripletMarginLoss")
    let toPositive = pairwiseDistance(anchor, positive, p: p, eps: eps)
    var toNegative = pairwiseDistance(anchor, negative, p: p, eps: eps)
    if swap { toNegative = Tensor.minimum(toNegative, pairwiseDistance(positive, negative, p: p, eps: eps)) }
    return reduction.apply(relu(toPositive - toNegative + margin))
}

import SynapseCore

/// The pairwise contrastive loss of Hadsell, Chopra and LeCun (2006) — PyTorch has none — on
/// embeddings `input1`, `input2` [N, D] and `target` [N] (1: a similar pair, 0: dissimilar):
/// ½·[y·d² + (1 − y)·max(0, margin − d)²], d the Euclidean `pairwiseDistance`.
public func contrastiveLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Float = 1,
                            reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input1, input2, "contrastiveLoss")
    require(input1.rank == 2 && target.shape == [input1.shape[0]],
            "contrastiveLoss: expected inputs [N, D] and target [N], got \(input1.shape) and \(target.shape)")
    let d = pairwiseDistance(input1, input2)
    let y = target.detached()
    return reduction.apply(0.5 * (y * square(d) + (1 - y) * square(relu(margin - d))))
}

/// Rows scaled to unit Euclidean norm (PyTorch `F.normalize(x, dim: 1)`: divided by
/// max(‖x‖, eps)).
public func normalizedRows(_ x: Tensor, eps: Float = 1e-12) -> Tensor {
    require(x.rank == 2, "normalizedRows: expected [N, D], got \(x.shape)")
    return x / Tensor.maximum(sqrt(square(x).sum(dim: 1, keepdim: true)), Tensor(eps))
}

/// InfoNCE with in-batch negatives (van den Oord et al. 2018; CLIP's and two-tower retrieval's
/// loss): row i of `query` [N, D] should match row i of `key` [N, D] against the batch's other
/// keys — cross-entropy over the cosine similarities divided by `temperature`.
public func infoNCELoss(query: Tensor, key: Tensor, temperature: Float = 0.1) -> Tensor {
    checkSameShape(query, key, "infoNCELoss")
    require(query.rank == 2 && temperature > 0, "infoNCELoss: expected [N, D] inputs and a positive temperature, got \(query.shape), \(temperature)")
    let logits = normalizedRows(query).matmul(normalizedRows(key).transposed(0, 1)) / temperature
    return crossEntropy(logits, IntTensor(Array(0..<query.shape[0])))
}

/// NT-Xent, SimCLR's loss (Chen et al. 2020): two views `view1`, `view2` [N, D] of N examples; each
/// of the 2N normalised embeddings must pick its other view among the 2N − 1 others, by
/// cross-entropy over cosine similarities divided by `temperature`.
public func ntXentLoss(view1: Tensor, view2: Tensor, temperature: Float = 0.5) -> Tensor {
    checkSameShape(view1, view2, "ntXentLoss")
    require(view1.rank == 2 && temperature > 0, "ntXentLoss: expected [N, D] inputs and a positive temperature, got \(view1.shape), \(temperature)")
    let n = view1.shape[0]
    let z = normalizedRows(Tensor.cat([view1, view2], dim: 0))
    let diagonal = Tensor(shape: [2 * n, 2 * n]) { b in
        b.initialize(repeating: 0)
        for i in 0..<(2 * n) { b[i * 2 * n + i] = 1 }
    }
    // An embedding is not its own candidate: its similarity is pushed far below every cosine.
    let similarities = (z.matmul(z.transposed(0, 1)) / temperature).maskedFill(diagonal, -1e9)
    return crossEntropy(similarities, IntTensor(Array(n..<(2 * n)) + Array(0..<n)))
}

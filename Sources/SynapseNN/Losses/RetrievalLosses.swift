import SynapseCore

/// Bayesian personalised ranking (Rendle et al. 2009): each observed item should outscore a
/// sampled unobserved one, −log σ(s⁺ − s⁻) = softplus(s⁻ − s⁺), on scores `positive` [N] and
/// `negative` [N] or [N, K] (K negatives per positive, each pair counted).
public func bprLoss(positive: Tensor, negative: Tensor, reduction: Reduction = .mean) -> Tensor {
    require(positive.rank == 1 && (negative.rank == 1 || negative.rank == 2) && negative.shape[0] == positive.shape[0],
            "bprLoss: expected positive [N] and negative [N] or [N, K], got \(positive.shape) and \(negative.shape)")
    let pos = negative.rank == 2 ? positive.unsqueezed(1) : positive
    return reduction.apply(softplus(negative - pos))
}

/// Sampled softmax for implicit feedback (Jean et al. 2015; Covington et al. 2016): each observed
/// item must win a softmax over itself and its K sampled negatives — cross-entropy over the
/// scores [s⁺, s⁻₁ … s⁻ₖ] divided by `temperature`. `positive` is [N], `negative` [N, K].
public func sampledSoftmaxLoss(positive: Tensor, negative: Tensor, temperature: Float = 1) -> Tensor {
    require(positive.rank == 1 && negative.rank == 2 && negative.shape[0] == positive.shape[0] && temperature > 0,
            "sampledSoftmaxLoss: expected positive [N], negative [N, K] and a positive temperature, got \(positive.shape), \(negative.shape), \(temperature)")
    let logits = Tensor.cat([positive.unsqueezed(1), negative], dim: 1) / temperature
    return crossEntropy(logits, IntTensor(Array(repeating: 0, count: positive.shape[0])))
}

/// The two-tower retrieval loss with in-batch negatives (Yi et al. 2019, "Sampling-bias-corrected
/// neural modeling"): query i must pick its own item among the batch's items, by cross-entropy over
/// the dot products of `query` [N, D] and `item` [N, D] divided by `temperature`.
///
/// - `itemIDs`: the items' identities; where the same item appears twice in a batch, the copy in
///   another row is not a negative of that query and is masked out (it would punish the right answer).
/// - `logQ`: the log sampling probability of each row's item (log of its share of the training
///   interactions). Popular items are in-batch negatives more often; subtracting log q from their
///   logits corrects that bias, as Yi et al. do. Nil leaves the logits as they are.
public func inBatchSoftmaxLoss(query: Tensor, item: Tensor, itemIDs: [Int], temperature: Float = 0.05, logQ: [Float]? = nil) -> Tensor {
    checkSameShape(query, item, "inBatchSoftmaxLoss")
    let n = query.shape[0]
    require(query.rank == 2 && itemIDs.count == n && temperature > 0 && (logQ?.count ?? n) == n,
            "inBatchSoftmaxLoss: expected [N, D] towers, N item ids, N log-probabilities and a positive temperature, got \(query.shape), "
            + "\(itemIDs.count) ids, \(logQ?.count ?? n) log-probabilities, temperature \(temperature)")
    var logits = query.matmul(item.transposed(0, 1)) / temperature
    if let logQ { logits = logits - Tensor(shape: [1, n], scalars: logQ) }
    let duplicates = Tensor(shape: [n, n]) { b in
        for i in 0..<n { for j in 0..<n { b[i * n + j] = (i != j && itemIDs[i] == itemIDs[j]) ? 1 : 0 } }
    }
    return crossEntropy(logits.maskedFill(duplicates, -1e9), IntTensor(Array(0..<n)))
}

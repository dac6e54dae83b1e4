import SynapseCore

/// The leave-one-out ranking protocol (He et al. 2017, NCF; Kang & McAuley 2018, SASRec), with the
/// full ranking rather than 100 sampled negatives (sampled metrics mis-rank models; Krichene &
/// Rendle 2020): each user's one held-out item is ranked against every item the user has not
/// interacted with in training, and the figures are averaged over users.
public struct LeaveOneOutEvaluation: Sendable, Equatable {
    /// The cut-off rank.
    public let k: Int
    /// Users evaluated.
    public let users: Int
    /// HR@K: the share of users whose held-out item is in their top K.
    public let hitRate: Double
    /// NDCG@K (scikit-learn's definition, via `RankingMetrics.ndcg`): 1/log₂(rank + 1) for a hit.
    public let ndcg: Double
    /// Mean reciprocal rank of the held-out item over the full ranking.
    public let meanReciprocalRank: Double

    /// Evaluates `score` (users → [users.count, items] scores) on `heldOut` (user, item) pairs, leaving
    /// out `excluded[user]` (the user's training items) from each ranking. Users are scored in
    /// chunks of `chunk` to bound memory.
    /// - Throws: `MetricError` for empty or non-finite input.
    public init(k: Int = 10, heldOut: [(user: Int, item: Int)], excluded: [[Int]], itemCount: Int, chunk: Int = 256,
                score: ([Int]) -> Tensor) throws(MetricError) {
        guard !heldOut.isEmpty else { throw MetricError.empty(metric: "leave-one-out") }
        var hits = 0.0, ndcgSum = 0.0, mrr = 0.0
        for start in stride(from: 0, to: heldOut.count, by: chunk) {
            let part = Array(heldOut[start..<min(start + chunk, heldOut.count)])
            let users = part.map(\.user)
            let raw = score(users)
            require(raw.shape == [users.count, itemCount],
                    "LeaveOneOutEvaluation: the score function gave \(raw.shape) for \(users.count) users and \(itemCount) items")
            // The held-out item is never excluded, even if the user also had it in training.
            let exclusions = part.map { pair in excluded[pair.user].filter { $0 != pair.item } }
            let scores = TopKRetrieval.masked(raw, excluding: exclusions)
            let relevance = part.map { pair in (0..<itemCount).map { $0 == pair.item ? 1.0 : 0.0 } }
            let n = Double(part.count)
            hits += try RankingMetrics.hitRate(relevance: relevance, scores: scores, k: k) * n
            ndcgSum += try RankingMetrics.ndcg(relevance: relevance, scores: scores, k: k) * n
            scores.withUnsafeBufferPointer { s in
                for (row, pair) in part.enumerated() {
                    let target = s[row * itemCount + pair.item]
                    // Its rank: 1 + the items scored strictly higher (a tie counts in its favour).
                    var above = 0
                    for j in 0..<itemCount where s[row * itemCount + j] > target { above += 1 }
                    mrr += 1 / Double(above + 1)
                }
            }
        }
        let total = Double(heldOut.count)
        self.k = k
        users = heldOut.count
        hitRate = hits / total
        ndcg = ndcgSum / total
        meanReciprocalRank = mrr / total
    }
}

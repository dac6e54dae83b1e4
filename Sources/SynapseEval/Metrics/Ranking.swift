import Foundation
import SynapseCore

/// Ranking metrics over queries: one row per query of graded relevances (`relevance`, 0 = not
/// relevant) and of the model's scores for the same items (`scores`); higher scores rank first.
///
/// `ndcg` follows scikit-learn's `ndcg_score` exactly, ties included. The others rank tied scores
/// in item order (a stable sort), and count an item as relevant when its relevance is above 0.
public enum RankingMetrics {
    /// Normalised discounted cumulative gain at `k` (scikit-learn's `ndcg_score`), averaged over queries.
    ///
    /// Gains are the relevances themselves (not 2^rel − 1) and the discount of rank r (from 1) is
    /// 1 / log₂(r + 1), cut to 0 beyond `k`. Items with tied scores share the average gain of their
    /// group (scikit-learn's `ignore_ties=False`). A query with no relevant item scores 0.
    /// - Parameter k: cut-off rank; nil ranks every item.
    /// - Throws: `MetricError` for mismatched shapes, empty input, negative relevances or `k < 1`.
    public static func ndcg(relevance: some ScoreMatrix, scores: some ScoreMatrix, k: Int? = nil) throws(MetricError) -> Double {
        let metric = k.map { "NDCG@\($0)" } ?? "NDCG"
        let (rel, sc) = try inputs(metric, relevance, scores, k: k)
        var total = 0.0
        for (r, s) in zip(rel, sc) {
            let n = r.count
            let cut = min(k ?? n, n)
            var discountSums = [Double](repeating: 0, count: n + 1)
            for i in 0..<n { discountSums[i + 1] = discountSums[i] + (i < cut ? 1 / log2(Double(i) + 2) : 0) }
            // Ideal DCG: relevances sorted descending (ties cannot change it).
            let ideal = r.sorted(by: >).enumerated().reduce(0.0) { $0 + $1.element * (discountSums[$1.offset + 1] - discountSums[$1.offset]) }
            guard ideal > 0 else { continue }
            // Tie-averaged DCG: each group of equal scores spreads its mean gain over its ranks.
            let order = s.indices.sorted { s[$0] > s[$1] }
            var dcg = 0.0, start = 0
            while start < n {
                var end = start + 1
                while end < n, s[order[end]] == s[order[start]] { end += 1 }
                let meanGain = (start..<end).reduce(0.0) { $0 + r[order[$1]] } / Double(end - start)
                dcg += meanGain * (discountSums[end] - discountSums[start])
                start = end
            }
            total += dcg / ideal
        }
        return total / Double(rel.count)
    }

    /// Mean average precision (at `k` when given) over queries.
    ///
    /// A query's average precision is Σ P@i over the ranks i ≤ k holding a relevant item, divided by
    /// min(relevant items, k); a query with no relevant item scores 0.
    /// - Throws: `MetricError` for mismatched shapes, empty input, negative relevances or `k < 1`.
    public static func meanAveragePrecision(relevance: some ScoreMatrix, scores: some ScoreMatrix, k: Int? = nil) throws(MetricError) -> Double {
        let metric = k.map { "MAP@\($0)" } ?? "MAP"
        let (rel, sc) = try inputs(metric, relevance, scores, k: k)
        var total = 0.0
        for (r, s) in zip(rel, sc) {
            let relevantCount = r.filter { $0 > 0 }.count
            let cut = min(k ?? r.count, r.count)
            guard relevantCount > 0 else { continue }
            var hits = 0, sum = 0.0
            for (rank, item) in ranked(s).prefix(cut).enumerated() where r[item] > 0 {
                hits += 1
                sum += Double(hits) / Double(rank + 1)
            }
            total += sum / Double(min(relevantCount, cut))
        }
        return total / Double(rel.count)
    }

    /// Fraction of queries with at least one relevant item among the top `k`.
    /// - Throws: `MetricError` for mismatched shapes, empty input, negative relevances or `k < 1`.
    public static func hitRate(relevance: some ScoreMatrix, scores: some ScoreMatrix, k: Int) throws(MetricError) -> Double {
        let (rel, sc) = try inputs("hit rate@\(k)", relevance, scores, k: k)
        let hits = zip(rel, sc).filter { r, s in ranked(s).prefix(k).contains { r[$0] > 0 } }.count
        return Double(hits) / Double(rel.count)
    }

    /// Mean over queries of the fraction of their relevant items found in the top `k`.
    /// Queries without any relevant item are left out of the mean (their recall has no value).
    /// - Throws: `MetricError.undefined` when no query has a relevant item; other bad input likewise.
    public static func recall(relevance: some ScoreMatrix, scores: some ScoreMatrix, k: Int) throws(MetricError) -> Double {
        let metric = "recall@\(k)"
        let (rel, sc) = try inputs(metric, relevance, scores, k: k)
        var total = 0.0, queries = 0
        for (r, s) in zip(rel, sc) {
            let relevantCount = r.filter { $0 > 0 }.count
            guard relevantCount > 0 else { continue }
            queries += 1
            total += Double(ranked(s).prefix(k).filter { r[$0] > 0 }.count) / Double(relevantCount)
        }
        guard queries > 0 else { throw .undefined(metric: metric, reason: "no query has a relevant item") }
        return total / Double(queries)
    }

    /// Item indices from the highest score to the lowest, ties in item order.
    private static func ranked(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    private static func inputs(_ metric: String, _ relevance: some ScoreMatrix, _ scores: some ScoreMatrix,
                               k: Int?) throws(MetricError) -> ([[Double]], [[Double]]) {
        if let k, k < 1 { throw .invalidParameter(metric: metric, parameter: "k", reason: "must be at least 1, got \(k)") }
        let rel = try relevance.metricRows(metric: metric, argument: "relevance")
        let sc = try scores.metricRows(metric: metric, argument: "scores")
        try MetricCheck.sameLength(metric, "relevance", rel.count, "scores", sc.count)
        guard rel[0].count == sc[0].count, rel[0].count > 0 else {
            throw .badShape(metric: metric, argument: "scores", shape: [sc.count, sc[0].count],
                            expected: "[\(rel.count), \(rel[0].count)] like relevance (one score per item)")
        }
        for (q, row) in rel.enumerated() {
            try MetricCheck.finite(metric, "relevance", row)
            if row.contains(where: { $0 < 0 }) {
                throw .invalidValue(metric: metric, argument: "relevance", reason: "query \(q) has a negative relevance")
            }
        }
        for row in sc { try MetricCheck.finite(metric, "scores", row) }
        return (rel, sc)
    }
}

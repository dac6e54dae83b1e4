import Foundation

/// Selective prediction's risk-coverage curve (Geifman & El-Yaniv 2017): predictions are kept from
/// the most confident down, and at each coverage (the fraction kept) the risk is the error rate
/// among the kept ones. A good confidence score keeps risk low at high coverage; the area under the
/// curve (AURC) sums that up, lower being better.
///
/// Examples of equal confidence are kept or dropped together, so the curve has one point per
/// distinct confidence value.
public struct RiskCoverageCurve: Sendable, Equatable {
    /// The fraction of examples kept at each point, increasing to 1.
    public let coverage: [Double]
    /// The error rate among the kept examples at each point.
    public let risk: [Double]
    /// The confidence threshold of each point (keep when confidence ≥ it), decreasing.
    public let thresholds: [Double]
    /// The area under the curve: the mean over examples, taken from the most confident, of the risk
    /// at the point that keeps that example. Equals the error rate when the confidence is constant.
    public let area: Double

    /// The curve of `confidences` (higher = keep first; any `OODScore`) against whether each
    /// prediction was `correct`.
    /// - Throws: `OODError.invalidData` for empty, mismatched or non-finite input.
    public init(confidences: [Double], correct: [Bool]) throws(OODError) {
        guard !confidences.isEmpty, confidences.count == correct.count else {
            throw .invalidData("a risk-coverage curve needs one confidence per prediction, got \(confidences.count) and \(correct.count)")
        }
        guard confidences.allSatisfy(\.isFinite) else { throw .invalidData("risk-coverage confidences must be finite") }
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] }
        let n = Double(order.count)
        var coverage: [Double] = [], risk: [Double] = [], thresholds: [Double] = []
        var errors = 0, area = 0.0, start = 0
        while start < order.count {
            var end = start
            let value = confidences[order[start]]
            while end < order.count, confidences[order[end]] == value {
                if !correct[order[end]] { errors += 1 }
                end += 1
            }
            let r = Double(errors) / Double(end)
            area += r * Double(end - start) / n
            coverage.append(Double(end) / n)
            risk.append(r)
            thresholds.append(value)
            start = end
        }
        self.coverage = coverage
        self.risk = risk
        self.thresholds = thresholds
        self.area = area
    }

    /// The lowest risk reachable while keeping at least `coverage` of the examples.
    public func risk(atCoverage target: Double) -> Double {
        let index = coverage.firstIndex { $0 >= target - 1e-12 } ?? (coverage.count - 1)
        return risk[index]
    }

    /// The curve as (coverage, risk) points, for plotting.
    public var points: [(x: Double, y: Double)] { zip(coverage, risk).map { (x: $0, y: $1) } }
}

/// Predictions kept or abstained on by a confidence rule: keep when the confidence (an `OODScore`)
/// is at or above the threshold; the abstained examples are escalated, e.g. to a person.
public struct SelectivePrediction: Sendable, Equatable {
    /// The rule.
    public let threshold: OODThreshold
    /// The fraction of examples kept.
    public let coverage: Double
    /// The error rate among the kept examples (0 when none is kept).
    public let selectiveRisk: Double
    /// The error rate over all examples, as if none were abstained on.
    public let fullRisk: Double
    /// Indices of the abstained examples, least confident first.
    public let abstained: [Int]

    /// Applies `threshold` to `confidences` of predictions that were `correct` or not.
    /// - Throws: `OODError.invalidData` for empty, mismatched or non-finite input.
    public init(threshold: OODThreshold, confidences: [Double], correct: [Bool]) throws(OODError) {
        guard !confidences.isEmpty, confidences.count == correct.count else {
            throw .invalidData("selective prediction needs one confidence per prediction, got \(confidences.count) and \(correct.count)")
        }
        guard confidences.allSatisfy(\.isFinite) else { throw .invalidData("selective-prediction confidences must be finite") }
        let kept = confidences.indices.filter { threshold.accepts(confidences[$0]) }
        self.threshold = threshold
        coverage = Double(kept.count) / Double(confidences.count)
        selectiveRisk = kept.isEmpty ? 0 : Double(kept.filter { !correct[$0] }.count) / Double(kept.count)
        fullRisk = Double(correct.filter { !$0 }.count) / Double(correct.count)
        abstained = confidences.indices.filter { !threshold.accepts(confidences[$0]) }.sorted { confidences[$0] < confidences[$1] }
    }
}

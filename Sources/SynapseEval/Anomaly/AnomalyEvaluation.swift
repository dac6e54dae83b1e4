import Foundation

/// What a missed anomaly and a false alarm cost, for cost-weighted evaluation (a fraud team's
/// numbers: a missed fraud may cost a hundred reviews).
public struct AnomalyCosts: Sendable, Equatable, Codable {
    /// The cost of an anomaly that is not flagged (a false negative).
    public var missedAnomaly: Double
    /// The cost of a normal example that is flagged (a false positive: a needless review).
    public var falseAlarm: Double

    /// Costs of `missedAnomaly` per false negative and `falseAlarm` per false positive.
    public init(missedAnomaly: Double = 100, falseAlarm: Double = 1) {
        self.missedAnomaly = missedAnomaly
        self.falseAlarm = falseAlarm
    }
}

/// Thresholds for anomaly scores (higher is more anomalous; an example is flagged when its score
/// is above the threshold).
public enum AnomalyThreshold {
    /// The threshold that flags at most `rate` of `normalScores` — scores of normal examples held
    /// out from training (a validation split), never the test data: the smallest threshold such
    /// that at most ⌊rate·n⌋ of them lie above it.
    /// - Throws: `MetricError` for no scores, non-finite scores or a rate outside [0, 1).
    public static func forFalsePositiveRate(_ rate: Double, normalScores: [Double]) throws(MetricError) -> Double {
        guard !normalScores.isEmpty else { throw .empty(metric: "anomaly threshold") }
        guard rate >= 0 && rate < 1 else {
            throw .invalidParameter(metric: "anomaly threshold", parameter: "rate", reason: "the false-positive rate must lie in [0, 1), got \(rate)")
        }
        if let bad = normalScores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(metric: "anomaly threshold", argument: "normalScores", reason: "score \(bad) is \(normalScores[bad])")
        }
        let sorted = normalScores.sorted()
        let allowed = Int((rate * Double(sorted.count)).rounded(.down))
        return sorted[sorted.count - 1 - allowed]
    }
}

/// An anomaly detector's scores on labelled test data, summarised for heavy class imbalance:
/// the threshold-free PR-AUC (average precision; a random scorer gets the prevalence) and ROC-AUC,
/// the recall reachable at fixed precisions, and, at a chosen threshold, the confusion counts,
/// precision, recall, false-positive rate and the cost of the decisions.
public struct AnomalyEvaluation: Sendable, Equatable, Codable {
    /// Test examples.
    public let examples: Int
    /// Anomalies among them.
    public let anomalies: Int
    /// anomalies / examples: the PR-AUC of a random scorer.
    public var prevalence: Double { Double(anomalies) / Double(max(examples, 1)) }
    /// Average precision (PR-AUC without interpolation, scikit-learn's `average_precision_score`).
    public let prAUC: Double
    /// Area under the ROC curve.
    public let rocAUC: Double
    /// The highest recall whose precision reaches each requested level (0 when none does), by level.
    public let recallAtPrecision: [Double: Double]
    /// The decision threshold (flag when score > threshold).
    public let threshold: Double
    /// Anomalies flagged.
    public let truePositives: Int
    /// Normal examples flagged.
    public let falsePositives: Int
    /// Anomalies missed.
    public let falseNegatives: Int
    /// Precision at the threshold (1 when nothing is flagged).
    public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
    /// Recall at the threshold.
    public var recall: Double { anomalies == 0 ? 0 : Double(truePositives) / Double(anomalies) }
    /// The share of normal test examples flagged.
    public var falsePositiveRate: Double { Double(falsePositives) / Double(max(examples - anomalies, 1)) }
    /// The costs used.
    public let costs: AnomalyCosts
    /// The cost of the decisions at the threshold: misses × their cost + false alarms × theirs.
    public var cost: Double { Double(falseNegatives) * costs.missedAnomaly + Double(falsePositives) * costs.falseAlarm }
    /// The cost of flagging nothing (every anomaly missed).
    public var costFlaggingNothing: Double { Double(anomalies) * costs.missedAnomaly }
    /// The cost of flagging everything (every normal example reviewed).
    public var costFlaggingEverything: Double { Double(examples - anomalies) * costs.falseAlarm }

    /// Evaluates `scores` against `isAnomaly` (same order) at `threshold`.
    /// - Throws: `MetricError` for mismatched lengths, no examples, non-finite scores or a test set
    ///   without both classes.
    public init(scores: [Double], isAnomaly: [Bool], threshold: Double, costs: AnomalyCosts = AnomalyCosts(),
                precisionLevels: [Double] = [0.5, 0.9]) throws(MetricError) {
        let labels = isAnomaly.map { $0 ? 1 : 0 }
        guard scores.count == labels.count else {
            throw .lengthMismatch(metric: "anomaly evaluation", first: "scores", firstCount: scores.count, second: "isAnomaly", secondCount: labels.count)
        }
        let positives = labels.reduce(0, +)
        guard positives > 0 && positives < labels.count else {
            throw .undefined(metric: "anomaly evaluation", reason: "the test data needs both anomalies and normal examples (\(positives) of \(labels.count) are anomalies)")
        }
        let curve = try PrecisionRecallCurve(labels, scores: scores)
        examples = labels.count
        anomalies = positives
        prAUC = curve.averagePrecision
        rocAUC = try SynapseEval.rocAUC(labels, scores: scores)
        var reachable: [Double: Double] = [:]
        for level in precisionLevels {
            reachable[level] = zip(curve.precision, curve.recall).filter { $0.0 >= level }.map(\.1).max() ?? 0
        }
        recallAtPrecision = reachable
        self.threshold = threshold
        var tp = 0, fp = 0
        for (s, a) in zip(scores, isAnomaly) where s > threshold { if a { tp += 1 } else { fp += 1 } }
        truePositives = tp
        falsePositives = fp
        falseNegatives = positives - tp
        self.costs = costs
    }
}

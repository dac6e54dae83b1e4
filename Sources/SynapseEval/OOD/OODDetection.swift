import Foundation

/// How well one score separates in-distribution from out-of-distribution inputs, by the protocol of
/// the OOD literature (Hendrycks & Gimpel 2017; Liang et al. 2018): in-distribution examples are the
/// positives and the score is higher for them (`OODScore`'s orientation).
public struct OODDetection: Sendable, Equatable {
    /// Area under the ROC curve: the probability that a random in-distribution input scores above a
    /// random out-of-distribution one (ties count one half); 0.5 is chance.
    public let auroc: Double
    /// Average precision with in-distribution inputs as the positives ("AUPR-In").
    public let auprIn: Double
    /// Average precision with out-of-distribution inputs as the positives, on the negated score ("AUPR-Out").
    public let auprOut: Double
    /// The fraction of out-of-distribution inputs accepted at the highest threshold that accepts
    /// `targetTruePositiveRate` of the in-distribution ones ("FPR at 95% TPR").
    public let falsePositiveRate: Double
    /// The in-distribution acceptance rate `falsePositiveRate` is measured at (0.95).
    public let targetTruePositiveRate: Double
    /// The ROC curve (false-positive rate = OOD accepted, true-positive rate = in-distribution accepted).
    public let roc: ROCCurve

    /// The figures of `inDistribution` scores against `outOfDistribution` scores.
    /// - Throws: `OODError.invalidData` when either side is empty or a score is not finite;
    ///   `.invalidParameters` for a rate outside (0, 1].
    public init(inDistribution: [Double], outOfDistribution: [Double], targetTruePositiveRate: Double = 0.95) throws(OODError) {
        guard targetTruePositiveRate > 0, targetTruePositiveRate <= 1 else {
            throw .invalidParameters("the target true-positive rate must be in (0, 1], got \(targetTruePositiveRate)")
        }
        guard !inDistribution.isEmpty, !outOfDistribution.isEmpty else {
            throw .invalidData("detection needs in- and out-of-distribution scores, got \(inDistribution.count) and \(outOfDistribution.count)")
        }
        guard inDistribution.allSatisfy(\.isFinite), outOfDistribution.allSatisfy(\.isFinite) else {
            throw .invalidData("detection scores must be finite")
        }
        let labels = [Int](repeating: 1, count: inDistribution.count) + [Int](repeating: 0, count: outOfDistribution.count)
        let scores = inDistribution + outOfDistribution
        do {
            roc = try ROCCurve(labels, scores: scores)
            auprIn = try averagePrecision(labels, scores: scores)
            auprOut = try averagePrecision(labels, scores: scores.map { -$0 }, positive: 0)
        } catch {
            throw .invalidData("\(error)")
        }
        auroc = roc.area
        self.targetTruePositiveRate = targetTruePositiveRate
        // The ROC curve runs from the highest threshold down: the first point that reaches the rate.
        let reach = roc.truePositiveRate.firstIndex { $0 >= targetTruePositiveRate - 1e-12 } ?? (roc.truePositiveRate.count - 1)
        falsePositiveRate = roc.falsePositiveRate[reach]
    }
}

/// A decision threshold on an `OODScore`: inputs scoring at or above it are accepted as
/// in-distribution, the rest are flagged (abstained on).
public struct OODThreshold: Sendable, Equatable, Codable {
    /// The score it applies to.
    public let score: OODScore
    /// Accept when score ≥ `value`.
    public let value: Double
    /// The in-distribution acceptance rate it was chosen for.
    public let targetTruePositiveRate: Double

    /// Wraps a threshold.
    public init(score: OODScore, value: Double, targetTruePositiveRate: Double) {
        self.score = score
        self.value = value
        self.targetTruePositiveRate = targetTruePositiveRate
    }

    /// The highest threshold that accepts at least `rate` of `validationScores` (in-distribution
    /// data the model was not fitted on, such as the validation split).
    /// - Throws: `OODError` for empty or non-finite scores or a rate outside (0, 1].
    public static func forTruePositiveRate(_ rate: Double, score: OODScore, validationScores: [Double]) throws(OODError) -> OODThreshold {
        guard rate > 0, rate <= 1 else { throw .invalidParameters("the target true-positive rate must be in (0, 1], got \(rate)") }
        guard !validationScores.isEmpty, validationScores.allSatisfy(\.isFinite) else {
            throw .invalidData("a threshold needs finite validation scores, got \(validationScores.count)")
        }
        let sorted = validationScores.sorted()
        // At most floor((1 − rate)·n) scores may fall below the threshold.
        let rejected = Int(((1 - rate) * Double(sorted.count) + 1e-9).rounded(.down))
        return OODThreshold(score: score, value: sorted[min(rejected, sorted.count - 1)], targetTruePositiveRate: rate)
    }

    /// Whether a score is accepted as in-distribution.
    public func accepts(_ score: Double) -> Bool { score >= value }

    /// The fraction of `scores` accepted.
    public func acceptanceRate(_ scores: [Double]) -> Double {
        scores.isEmpty ? 0 : Double(scores.filter(accepts).count) / Double(scores.count)
    }
}

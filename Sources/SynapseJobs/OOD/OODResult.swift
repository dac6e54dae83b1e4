import Foundation
import SynapseEval

/// How one out-of-distribution set fared against the in-distribution test split.
public struct OODSetResult: Sendable {
    /// The set.
    public let dataset: OODDatasetChoice
    /// Its examples.
    public let count: Int
    /// AUROC, AUPR-In, AUPR-Out and FPR at the target TPR of each score.
    public let detection: [OODScore: OODDetection]
    /// The fraction of the set each score's validation threshold accepts as in-distribution (its
    /// false-positive rate at the threshold chosen without seeing it).
    public let acceptedAtThreshold: [OODScore: Double]
}

/// An abstained test example, as listed in the report and the escalate CSV.
public struct EscalatedExample: Sendable, Equatable {
    /// Its index in the test split.
    public let index: Int
    /// Its true class.
    public let label: Int
    /// The predicted class.
    public let predicted: Int
    /// Its score under the abstention rule.
    public let score: Double
}

/// What `OODJob.run()` produced.
public struct OODResult: Sendable {
    /// The in-distribution dataset.
    public let dataset: ImageDatasetChoice
    /// The scores computed, in `OODScore` order (Mahalanobis only for models with penultimate features).
    public let scores: [OODScore]
    /// Why the Mahalanobis score is missing, when it is.
    public let mahalanobisUnavailable: String?
    /// Whether the weights' training held the validation split out.
    public let validationHeldOut: Bool
    /// Each score's threshold, chosen on the validation split for the target TPR.
    public let thresholds: [OODScore: OODThreshold]
    /// The fraction of the in-distribution test split each threshold accepts (close to the target
    /// when validation and test agree).
    public let testAcceptance: [OODScore: Double]
    /// The headline out-of-distribution set, then the others.
    public let sets: [OODSetResult]
    /// Top-1 accuracy on the test split.
    public let testAccuracy: Double
    /// The risk-coverage curve of each score on the test split.
    public let riskCoverage: [OODScore: RiskCoverageCurve]
    /// Abstention on the test split by `abstainScore`'s threshold.
    public let selective: SelectivePrediction
    /// The abstained test examples, least confident first.
    public let escalated: [EscalatedExample]
    /// The report's path.
    public let reportURL: URL
    /// The escalate list's path.
    public let escalateListURL: URL

    /// The headline set.
    public var primary: OODSetResult { sets[0] }
}

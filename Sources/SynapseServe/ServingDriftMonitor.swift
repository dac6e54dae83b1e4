import SynapseJobs

/// Watches what a served model version sees and answers, and compares it with its training
/// profile. The server feeds it every answered row (off the event loop) and exports its
/// statistics at `/metrics`.
public protocol ServingDriftMonitor: Sendable {
    /// One answered row: its drift features (`ServableModel.driftFeatures(of:)`) and the prediction.
    func observe(features: [Double], prediction: ServedPrediction)
    /// The current shift of each feature, and of the predictions under the feature name "prediction".
    func statistics() -> [DriftFeatureStatistic]
}

/// How far one feature's served distribution moved from its training distribution.
public struct DriftFeatureStatistic: Sendable, Equatable {
    /// The feature's name ("prediction" for the model's outputs).
    public var feature: String
    /// Population stability index (0 = same distribution; above 0.2 is usually a real shift).
    public var psi: Double
    /// Kolmogorov–Smirnov statistic: the largest gap between the two cumulative distributions.
    public var ks: Double

    /// A statistic.
    public init(feature: String, psi: Double, ks: Double) {
        self.feature = feature
        self.psi = psi
        self.ks = ks
    }
}

/// The drift of live traffic from the training data, as `DriftMonitor.report()` computes it over
/// the current window.
public struct DriftReport: Codable, Sendable, Equatable {
    /// The name `alerts` uses for the prediction distribution.
    public static let predictionAlertName = "prediction"

    /// Observations in the window (at most the window size).
    public var windowCount: Int
    /// Observations seen since the monitor started.
    public var totalObserved: Int
    /// Observations ignored because they had the wrong number of features.
    public var rejectedCount: Int
    /// True while the window holds fewer than the monitor's minimum count: the statistics are
    /// still noisy and no alert is raised.
    public var isWarmingUp: Bool
    /// The PSI above which an alert is raised.
    public var psiThreshold: Double
    /// One entry per feature, in input-column order.
    public var features: [FeatureDrift]
    /// The shift of the prediction distribution.
    public var prediction: PredictionDrift
    /// The names of the features whose PSI exceeds `psiThreshold`, then `predictionAlertName`
    /// if the prediction PSI does; empty while warming up.
    public var alerts: [String]
}

/// The drift of one feature: live values in the window against its training profile.
public struct FeatureDrift: Codable, Sendable, Equatable {
    /// The feature's name.
    public var name: String
    /// The population stability index of the live bin fractions against the training ones.
    public var psi: Double
    /// The two-sample Kolmogorov-Smirnov statistic of the live values against the reference sample.
    public var ks: Double
    /// The finite live values in the window (NaN and infinities are not binned).
    public var liveCount: Int
}

/// The shift of the model's outputs: live predictions in the window against the training ones.
public struct PredictionDrift: Codable, Sendable, Equatable {
    /// PSI of the live class frequencies (classifiers) or predicted-value bins (regressors)
    /// against the training ones.
    public var psi: Double
    /// For regressors, the Kolmogorov-Smirnov statistic of the live predicted values against the
    /// reference sample; nil for classifiers.
    public var ks: Double?
    /// The live predictions in the window that could be compared (a class in range, a finite value).
    public var liveCount: Int
}

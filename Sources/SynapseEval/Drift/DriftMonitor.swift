import Synchronization

/// Watches live inputs and predictions for drift away from a `TrainingDataProfile`.
///
/// `observe(features:predictedClass:predictedValue:)` records one request's row into a ring buffer
/// holding the last `windowSize` observations: O(features), cheap enough for the request path.
/// `report()` copies the window and computes, per feature, the PSI of the live bin fractions
/// against the training ones and the Kolmogorov-Smirnov statistic against the reference sample,
/// plus the shift of the prediction distribution, in O(window · features · log window).
/// Thread-safe: any number of threads may observe and report concurrently.
public final class DriftMonitor: Sendable {
    /// The training profile the window is compared with.
    public let profile: TrainingDataProfile
    /// How many of the most recent observations the window keeps.
    public let windowSize: Int
    /// The PSI above which a feature (or the predictions) raises an alert.
    public let psiThreshold: Double
    /// Below this many observations in the window the report is `isWarmingUp` and raises no alert.
    public let minimumCount: Int

    private let state: Mutex<DriftWindow>

    /// A monitor comparing a window of the last `windowSize` observations with `profile`.
    ///
    /// - Precondition: `windowSize ≥ 1`, `psiThreshold > 0`, `minimumCount ≥ 0` (the caller
    ///   validates user-supplied settings first).
    public init(profile: TrainingDataProfile, windowSize: Int = 1000, psiThreshold: Double = 0.2, minimumCount: Int = 100) {
        precondition(windowSize >= 1, "DriftMonitor: windowSize must be at least 1, got \(windowSize)")
        precondition(psiThreshold > 0 && psiThreshold.isFinite, "DriftMonitor: psiThreshold must be positive, got \(psiThreshold)")
        precondition(minimumCount >= 0, "DriftMonitor: minimumCount must not be negative, got \(minimumCount)")
        self.profile = profile
        self.windowSize = windowSize
        self.psiThreshold = psiThreshold
        self.minimumCount = minimumCount
        state = Mutex(DriftWindow(featureCount: profile.features.count, capacity: windowSize))
    }

    /// Records one observation: the request's feature values (in the profile's feature order) and
    /// the model's prediction, a class index for classifiers or a value for regressors (the one
    /// that does not apply is nil). A row with the wrong number of features is not recorded, only
    /// counted (`DriftReport.rejectedCount`); NaN values are kept out of the statistics.
    public func observe(features: [Double], predictedClass: Int? = nil, predictedValue: Double? = nil) {
        state.withLock { window in
            guard features.count == window.featureCount else {
                window.rejected += 1
                return
            }
            window.append(features, predictedClass: predictedClass ?? -1, predictedValue: predictedValue ?? .nan)
        }
    }

    /// The drift of the current window from the training profile.
    public func report() -> DriftReport {
        // Copy under the lock into fresh arrays, compute outside it: observers wait for one copy
        // of the window at most, and never for a deferred copy-on-write of the buffer.
        let snapshot = state.withLock { $0.snapshot() }
        let count = snapshot.count
        var featureDrift: [FeatureDrift] = []
        featureDrift.reserveCapacity(profile.features.count)
        for (column, feature) in profile.features.enumerated() {
            featureDrift.append(Self.drift(of: snapshot.columns[column], against: feature))
        }
        let prediction = predictionDrift(snapshot)
        let warmingUp = count < minimumCount
        var alerts: [String] = []
        if !warmingUp {
            alerts = featureDrift.filter { $0.psi > psiThreshold }.map(\.name)
            if prediction.psi > psiThreshold { alerts.append(DriftReport.predictionAlertName) }
        }
        return DriftReport(windowCount: count, totalObserved: snapshot.total, rejectedCount: snapshot.rejected,
                           isWarmingUp: warmingUp, psiThreshold: psiThreshold, features: featureDrift,
                           prediction: prediction, alerts: alerts)
    }

    /// PSI and KS of `live` (no NaN) against one column's profile; zero when there is nothing live.
    private static func drift(of live: [Double], against feature: FeatureProfile) -> FeatureDrift {
        guard !live.isEmpty else { return FeatureDrift(name: feature.name, psi: 0, ks: 0, liveCount: 0) }
        var counts = Array(repeating: 0, count: feature.binFractions.count)
        for v in live { counts[EmpiricalQuantiles.bin(of: v, edges: feature.binEdges)] += 1 }
        let psi = PopulationStability.index(expected: feature.binFractions, actual: PopulationStability.fractions(counts))
        let ks = KolmogorovSmirnov.statistic(reference: feature.referenceSample, sample: live)
        return FeatureDrift(name: feature.name, psi: psi, ks: ks, liveCount: live.count)
    }

    /// The prediction shift: class-frequency PSI for classifiers, PSI and KS of values for regressors.
    private func predictionDrift(_ window: DriftWindowSnapshot) -> PredictionDrift {
        let predictions = profile.predictions
        switch predictions.kind {
        case .classes:
            let expected = predictions.classFrequencies ?? []
            var counts = Array(repeating: 0, count: expected.count)
            for c in window.predictedClasses where counts.indices.contains(c) { counts[c] += 1 }
            let live = counts.reduce(0, +)
            guard live > 0 else { return PredictionDrift(psi: 0, ks: nil, liveCount: 0) }
            return PredictionDrift(psi: PopulationStability.index(expected: expected, actual: PopulationStability.fractions(counts)),
                                   ks: nil, liveCount: live)
        case .values:
            guard let profile = predictions.values else { return PredictionDrift(psi: 0, ks: nil, liveCount: 0) }
            let drift = Self.drift(of: window.predictedValues, against: profile)
            return PredictionDrift(psi: drift.psi, ks: drift.ks, liveCount: drift.liveCount)
        }
    }
}

/// The ring buffer behind `DriftMonitor`: the last `capacity` rows, features stored row-major.
/// A value type, so `report()` can take a consistent snapshot by copying it.
struct DriftWindow: Sendable {
    let featureCount: Int
    let capacity: Int
    private var features: [Double]
    private var classes: [Int]
    private var values: [Double]
    /// The slot the next observation goes into.
    private var next = 0
    /// Observations recorded since the start.
    private(set) var total = 0
    /// Rows refused for having the wrong number of features.
    var rejected = 0

    init(featureCount: Int, capacity: Int) {
        self.featureCount = featureCount
        self.capacity = capacity
        features = Array(repeating: .nan, count: featureCount * capacity)
        classes = Array(repeating: -1, count: capacity)
        values = Array(repeating: .nan, count: capacity)
    }

    /// Observations currently held.
    var count: Int { Swift.min(total, capacity) }

    /// Overwrites the oldest slot. Non-finite inputs are stored as NaN, which the report skips.
    mutating func append(_ row: [Double], predictedClass: Int, predictedValue: Double) {
        let base = next * featureCount
        for (i, v) in row.enumerated() { features[base + i] = v.isFinite ? v : .nan }
        classes[next] = predictedClass
        values[next] = predictedValue
        next = next + 1 == capacity ? 0 : next + 1
        total += 1
    }

    /// Fresh copies of what the window holds, NaN (missing or non-finite) values left out.
    func snapshot() -> DriftWindowSnapshot {
        let held = count
        var columns = Array(repeating: [Double](), count: featureCount)
        for column in 0..<featureCount {
            columns[column].reserveCapacity(held)
            for slot in 0..<held {
                let v = features[slot * featureCount + column]
                if !v.isNaN { columns[column].append(v) }
            }
        }
        return DriftWindowSnapshot(count: held, total: total, rejected: rejected, columns: columns,
                              predictedClasses: Array(classes[0..<held]),
                              predictedValues: values[0..<held].filter(\.isFinite))
    }
}

/// A copy of the window's contents, detached from the ring buffer.
struct DriftWindowSnapshot: Sendable {
    /// Observations held.
    let count: Int
    /// Observations recorded since the start.
    let total: Int
    /// Rows refused for having the wrong number of features.
    let rejected: Int
    /// Per feature, its finite held values (order is irrelevant to the statistics).
    let columns: [[Double]]
    /// The held predicted classes (−1 where none was given).
    let predictedClasses: [Int]
    /// The finite held predicted values.
    let predictedValues: [Double]
}

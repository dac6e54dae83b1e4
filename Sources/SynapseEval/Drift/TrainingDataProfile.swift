import SynapseCore

/// What a training run saves about its inputs and predictions, so that a server can tell when live
/// traffic drifts away from the data the model learned from.
///
/// Per feature it holds quantile bins with the training fraction in each (for the population
/// stability index), summary statistics, and a sorted reference sample (for the Kolmogorov-Smirnov
/// statistic); for the predictions, class frequencies or the same profile of the predicted values.
/// It is saved as JSON beside the weights, `<weights-stem>.profile.json` (see `url(forWeights:)`),
/// and read by `DriftMonitor`.
///
/// ```swift
/// let profile = try TrainingDataProfile(featureNames: ["x"], rows: [[1], [2], [3], [4]],
///                                       predictions: .values([1.1, 1.9, 3.2, 3.9]))
/// ```
public struct TrainingDataProfile: Codable, Sendable, Equatable {
    /// The file format version this build writes and reads.
    public static let formatVersion = 1

    /// The format version of this profile (`formatVersion` when built here).
    public internal(set) var formatVersion: Int
    /// One profile per input feature, in input-column order.
    public internal(set) var features: [FeatureProfile]
    /// The profile of the model's predictions on the training rows.
    public internal(set) var predictions: PredictionProfile
    /// The number of training rows profiled.
    public internal(set) var rowCount: Int

    /// The feature names, in input-column order.
    public var featureNames: [String] { features.map(\.name) }

    /// Profiles the training `rows` (one inner array per example, one value per feature, in the
    /// order of `featureNames`) and the model's `predictions` on them.
    ///
    /// - Parameters:
    ///   - bins: the number of equal-mass bins per feature (10: deciles); fewer remain when the
    ///     data has repeated values (discrete features).
    ///   - referenceSize: the most values kept per feature for the Kolmogorov-Smirnov statistic.
    ///   - seed: seeds the subsample of the reference values, so the same data gives the same file.
    /// - Throws: `DriftProfileError.invalidInput` for no rows, a row of the wrong width, duplicate
    ///   or empty feature names, a feature without a finite value, predictions that do not match
    ///   the rows, or `bins`/`referenceSize` below 1.
    public init(featureNames: [String], rows: [[Double]], predictions: PredictionSample,
                bins: Int = 10, referenceSize: Int = 1000, seed: UInt64 = 0) throws(DriftProfileError) {
        guard bins >= 1, bins <= TrainingDataProfileLimits.maxBins else {
            throw .invalidInput(reason: "bins must be in 1...\(TrainingDataProfileLimits.maxBins), got \(bins)")
        }
        guard referenceSize >= 1, referenceSize <= TrainingDataProfileLimits.maxReferenceSize else {
            throw .invalidInput(reason: "referenceSize must be in 1...\(TrainingDataProfileLimits.maxReferenceSize), got \(referenceSize)")
        }
        guard !rows.isEmpty else { throw .invalidInput(reason: "no training rows") }
        guard !featureNames.isEmpty else { throw .invalidInput(reason: "no feature names") }
        if let bad = featureNames.first(where: \.isEmpty) ?? Self.firstDuplicate(featureNames) {
            throw .invalidInput(reason: bad.isEmpty ? "a feature name is empty" : "feature name '\(bad)' appears twice")
        }
        if let row = rows.firstIndex(where: { $0.count != featureNames.count }) {
            throw .invalidInput(reason: "row \(row) has \(rows[row].count) values but there are \(featureNames.count) features")
        }
        let generator = RandomGenerator(seed: seed)
        var features: [FeatureProfile] = []
        features.reserveCapacity(featureNames.count)
        for (column, name) in featureNames.enumerated() {
            features.append(try FeatureProfile(name: name, values: rows.map { $0[column] }, bins: bins,
                                               referenceSize: referenceSize, generator: generator))
        }
        self.formatVersion = Self.formatVersion
        self.features = features
        self.predictions = try PredictionProfile(predictions, rowCount: rows.count, bins: bins,
                                                 referenceSize: referenceSize, generator: generator)
        self.rowCount = rows.count
    }

    /// The first name that occurs twice in `names`, if any.
    private static func firstDuplicate(_ names: [String]) -> String? {
        var seen = Set<String>()
        return names.first { !seen.insert($0).inserted }
    }
}

/// Bounds on what a profile file may hold, so that a corrupted or hostile file cannot make a
/// reader (or the monitor built from it) allocate without bound.
public enum TrainingDataProfileLimits {
    /// The largest profile file read, in bytes (64 MiB).
    public static let maxFileBytes = 64 << 20
    /// The most features a profile may describe.
    public static let maxFeatures = 100_000
    /// The most bins per feature.
    public static let maxBins = 10_000
    /// The most reference values per feature.
    public static let maxReferenceSize = 1_000_000
    /// The most classes of a classifier's predictions.
    public static let maxClasses = 1_000_000
    /// The largest row or value count a profile may claim (2⁵³, beyond which counts stop being exact as Double).
    public static let maxCount = 1 << 53
}

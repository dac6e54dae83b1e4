import SynapseCore

/// The predictions a model made on its training inputs, given to `TrainingDataProfile.init`.
public enum PredictionSample: Sendable, Equatable {
    /// A classifier's predicted class per row (0-based indices into `classNames`).
    case classes([Int], classNames: [String])
    /// A regressor's predicted value per row.
    case values([Double])
}

/// What a training-data profile records about the model's predictions: class frequencies for a
/// classifier, a `FeatureProfile` of the predicted values for a regressor.
public struct PredictionProfile: Codable, Sendable, Equatable {
    /// Which of the two a profile holds.
    public enum Kind: String, Codable, Sendable {
        /// Class frequencies (`classNames`, `classFrequencies`).
        case classes
        /// A profile of predicted values (`values`).
        case values
    }

    /// Which fields are present.
    public internal(set) var kind: Kind
    /// The class names, in class-index order (classifiers only).
    public internal(set) var classNames: [String]?
    /// The fraction of training rows predicted as each class (classifiers only; sums to 1).
    public internal(set) var classFrequencies: [Double]?
    /// The profile of the predicted values (regressors only), named "prediction".
    public internal(set) var values: FeatureProfile?

    /// Summarises `sample`, which must hold one prediction per training row.
    package init(_ sample: PredictionSample, rowCount: Int, bins: Int, referenceSize: Int,
                 generator: RandomGenerator) throws(DriftProfileError) {
        switch sample {
        case .classes(let predicted, let classNames):
            guard predicted.count == rowCount else {
                throw .invalidInput(reason: "\(predicted.count) predicted classes for \(rowCount) rows")
            }
            guard !classNames.isEmpty else { throw .invalidInput(reason: "no class names") }
            var counts = Array(repeating: 0, count: classNames.count)
            for c in predicted {
                guard counts.indices.contains(c) else {
                    throw .invalidInput(reason: "predicted class \(c) is outside 0..<\(classNames.count)")
                }
                counts[c] += 1
            }
            kind = .classes
            self.classNames = classNames
            classFrequencies = PopulationStability.fractions(counts)
        case .values(let predicted):
            guard predicted.count == rowCount else {
                throw .invalidInput(reason: "\(predicted.count) predicted values for \(rowCount) rows")
            }
            kind = .values
            values = try FeatureProfile(name: "prediction", values: predicted, bins: bins,
                                        referenceSize: referenceSize, generator: generator)
        }
    }
}

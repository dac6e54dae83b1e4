import Foundation
import SynapseCore
import SynapseData
import SynapseEval

/// The training-data profile a run saves beside its weights (`<stem>.profile.json`) so that
/// `synapse serve` can tell when live inputs drift away from what the model was trained on.
///
/// The profile is computed through the served model itself: the training rows are the prepared
/// inputs `ServableModel.prepare` produces for live requests, the features are the model's
/// `driftFeatures(of:)`, and the predictions are its served answers. Training and serving therefore
/// cannot disagree about what a feature is.
public enum ServingProfile {
    /// Training rows profiled at most (a seeded sample beyond it): deciles and a 1,000-value
    /// reference sample need no more, and profiling stays a small part of a run.
    public static let maxRows = 5_000

    /// Profiles `trainingFeatures` (`[N, ...]`, prepared as the model's inputs) with the model saved
    /// at `weights`, and writes `TrainingDataProfile.url(forWeights: weights)`.
    /// - Returns: the profile's file.
    /// - Throws: `PredictionError`/`PipelineError` when the weights cannot be served,
    ///   `DriftProfileError` when the profile cannot be built or written.
    @discardableResult
    public static func write(forWeights weights: URL, trainingFeatures: Tensor, seed: UInt64 = 0) throws -> URL {
        guard case .predictor(let model) = try ServableModels.load(directory: weights) else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "language models have no input profile")
        }
        let n = trainingFeatures.shape.first ?? 0
        let width = model.info.rowWidth
        guard n > 0, trainingFeatures.count == n * width else {
            throw DriftProfileError.invalidInput(reason: "training features of shape \(trainingFeatures.shape) do not hold rows of "
                                                 + "\(width) values, the model's input")
        }
        let chosen = n <= maxRows ? Array(0..<n) : Array(Permutation.shuffled(n, using: RandomGenerator(seed: seed)).prefix(maxRows)).sorted()
        let scalars = trainingFeatures.contiguous().scalars
        var features: [[Double]] = []
        var predictions: [ServedPrediction] = []
        features.reserveCapacity(chosen.count)
        let batch = 512
        var start = 0
        while start < chosen.count {
            let indices = chosen[start..<min(start + batch, chosen.count)]
            var rows: [Float] = []
            rows.reserveCapacity(indices.count * width)
            for i in indices {
                let row = scalars[(i * width)..<((i + 1) * width)]
                features.append(model.driftFeatures(of: row))
                rows += row
            }
            predictions += model.predict(rows: rows, count: indices.count)
            start += batch
        }
        let sample: PredictionSample = model.info.task == .classification
            ? .classes(predictions.map { $0.classIndex ?? 0 }, classNames: model.info.classNames)
            : .values(predictions.map { $0.values.first ?? .nan })
        let profile = try TrainingDataProfile(featureNames: model.info.driftFeatureNames, rows: features, predictions: sample, seed: seed)
        let url = TrainingDataProfile.url(forWeights: weights)
        try profile.write(to: url)
        return url
    }
}

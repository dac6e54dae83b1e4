import Foundation
import SynapseEval
import SynapseTraining

/// The anomaly detectors the jobs build.
public enum AnomalyModelKind: String, Sendable, CaseIterable {
    /// `Autoencoder`: mean squared reconstruction error.
    case autoencoder
    /// `VariationalAutoencoder`: negative evidence lower bound.
    case vae
}

/// Everything that defines a one-class anomaly-detection run (`synapse train --dataset
/// fashion-mnist --model autoencoder|vae`): one class of an image dataset plays the anomaly, the
/// detector trains on the other classes' training images only, the threshold is set on held-out
/// normal images for a target false-positive rate, and the test split — its normal images and a
/// seeded sample of the anomaly class, `anomalyFraction` of the total — measures it.
public struct AnomalyDetectionOptions: Sendable {
    /// The image dataset.
    public var dataset: ImageDatasetChoice
    /// The detector.
    public var model: AnomalyModelKind
    /// The class that plays the anomaly (0–9); the others are normal. The default, 8, is
    /// Fashion-MNIST's "Bag": the one item among nine kinds of clothing and shoes.
    public var anomalyClass = 8
    /// The share of anomalies in the test data (heavy imbalance by default: 1%).
    public var anomalyFraction = 0.01
    /// The false-positive rate the threshold allows on held-out normal images.
    public var targetFalsePositiveRate = 0.01
    /// The costs of a missed anomaly and of a false alarm.
    public var costs = AnomalyCosts()
    /// Passes over the normal training images.
    public var epochs = 10
    /// Examples per step.
    public var batchSize = 128
    /// Adam's learning rate.
    public var learningRate: Double = 1e-3
    /// Seed of the initialisation, shuffling, VAE noise and the test anomalies' sample.
    public var seed: UInt64 = 0
    /// The encoder's hidden widths (mirrored by the decoder).
    public var hiddenSizes = [256, 64]
    /// The bottleneck width.
    public var latentSize = 16
    /// Principal components of the PCA baseline.
    public var baselineComponents = 16
    /// Schedule, clipping, early stopping, checkpoints, resume, logs.
    public var controls = TrainingControls()
    /// Where the trained weights go (safetensors).
    public var output: URL

    /// The recipe's options for `model` on `dataset`, saving to `output`.
    public init(dataset: ImageDatasetChoice, model: AnomalyModelKind, output: URL) {
        self.dataset = dataset
        self.model = model
        self.output = output
    }

    /// The epoch logs of the run (its validation data is held-out normal images: `val_loss`).
    public static let loggedNames = ["loss", "val_loss"]

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if !(0..<10).contains(anomalyClass) { throw .invalidOption(name: "anomaly-class", reason: "must lie in 0...9, got \(anomalyClass)") }
        if !(anomalyFraction > 0 && anomalyFraction < 0.5) {
            throw .invalidOption(name: "anomaly-fraction", reason: "must lie in (0, 0.5), got \(anomalyFraction)")
        }
        if !(targetFalsePositiveRate >= 0 && targetFalsePositiveRate < 1) {
            throw .invalidOption(name: "target-fpr", reason: "must lie in [0, 1), got \(targetFalsePositiveRate)")
        }
        if !(costs.missedAnomaly >= 0 && costs.missedAnomaly.isFinite) {
            throw .invalidOption(name: "cost-fn", reason: "must be a non-negative number, got \(costs.missedAnomaly)")
        }
        if !(costs.falseAlarm >= 0 && costs.falseAlarm.isFinite) {
            throw .invalidOption(name: "cost-fp", reason: "must be a non-negative number, got \(costs.falseAlarm)")
        }
        if epochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(epochs)") }
        if batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        if hiddenSizes.isEmpty || hiddenSizes.count > 8 || hiddenSizes.contains(where: { $0 <= 0 || $0 > 1 << 14 }) {
            throw .invalidOption(name: "hidden", reason: "needs 1 to 8 widths from 1 to \(1 << 14), got \(hiddenSizes)")
        }
        if latentSize <= 0 || latentSize > 1 << 14 { throw .invalidOption(name: "latent", reason: "must lie in 1...\(1 << 14), got \(latentSize)") }
        try controls.validate(loggedNames: Self.loggedNames)
    }

    /// The options that decide what the run learns, by flag name (recorded in checkpoints;
    /// `--resume` refuses a run whose values differ unless forced).
    public var hyperparameters: [String: String] {
        controls.hyperparameters.merging([
            "dataset": dataset.rawValue, "model": model.rawValue, "epochs": String(epochs), "batch-size": String(batchSize),
            "lr": String(learningRate), "seed": String(seed), "anomaly-class": String(anomalyClass),
            "hidden": hiddenSizes.map(String.init).joined(separator: ","), "latent": String(latentSize),
        ]) { _, b in b }
    }
}

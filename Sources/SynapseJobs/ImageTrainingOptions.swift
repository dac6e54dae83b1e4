import Foundation
import SynapseCore
import SynapseTraining

/// Everything that defines an image-classifier training run (`synapse train --dataset
/// fashion-mnist|mnist`); the CLI fills it from its flags. Defaults are the recipe's (W2/W3).
public struct ImageTrainingOptions: Sendable {
    /// The dataset.
    public var dataset: ImageDatasetChoice
    /// The network.
    public var model: ImageClassifierKind
    /// Passes over the training set (early stopping may end sooner).
    public var epochs = 5
    /// Examples per step (the last partial batch of each epoch is dropped).
    public var batchSize = 128
    /// Adam's learning rate.
    public var learningRate: Double = 1e-3
    /// Seed of the initialisation and shuffling.
    public var seed: UInt64 = 0
    /// Schedule, clipping, early stopping, checkpoints, resume, logs, progress bar.
    public var controls = TrainingControls()
    /// Where the trained weights go (safetensors).
    public var output: URL

    /// The recipe's options for `model` on `dataset`, saving to `output`.
    public init(dataset: ImageDatasetChoice, model: ImageClassifierKind, output: URL) {
        self.dataset = dataset
        self.model = model
        self.output = output
    }

    /// The epoch logs of the run (the test split is the validation set: `val_loss`, `val_accuracy`).
    public static let loggedNames = MonitorNames.classification

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if epochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(epochs)") }
        if batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        try controls.validate(loggedNames: Self.loggedNames)
    }

    /// The options that decide what the run learns, by flag name, as text (recorded in checkpoints;
    /// `--resume` refuses a run whose values differ unless forced).
    public var hyperparameters: [String: String] {
        controls.hyperparameters.merging(["dataset": dataset.rawValue, "model": model.rawValue, "epochs": String(epochs),
                                          "batch-size": String(batchSize), "lr": String(learningRate), "seed": String(seed)]) { _, b in b }
    }
}

import Foundation
import SynapseCore
import SynapseModels
import SynapseTraining

/// Everything that defines a character language-model training run (`synapse train --dataset
/// shakespeare|vim-docs --model char-lstm|gpt`); the CLI fills it from its flags. Defaults are the
/// recipe's (W4 for char-lstm, W5 for gpt).
public struct LanguageModelTrainingOptions: Sendable {
    /// The corpus.
    public var corpus: TextCorpusChoice
    /// The model.
    public var model: LanguageModelKind
    /// Optimisation steps.
    public var steps = 500
    /// Windows per step (nil: the model's recipe).
    public var batchSize: Int?
    /// Tokens per window (nil: the model's recipe).
    public var context: Int?
    /// The optimiser's learning rate (Adam; AdamW with weight decay 0.01 for gpt).
    public var learningRate: Double = 1e-3
    /// Seed of the initialisation, windows and sampling.
    public var seed: UInt64 = 0
    /// Steps per epoch: a progress line, a history row and (when due) a checkpoint each.
    public var logEvery = 50
    /// Validation batches averaged for the validation loss.
    public var evalBatches = 20
    /// Fraction of the text used for training; the rest is the validation text (the W5 recipe).
    public var trainFraction = 0.9
    /// Characters of sample text generated after training (0: none).
    public var sampleLength = 300
    /// Prompt of the sample.
    public var prompt = "The "
    /// Sampling temperature of the sample.
    public var temperature: Float = 0.8
    /// Sample from the k most likely characters only (nil: all).
    public var topK: Int?
    /// Schedule, clipping, early stopping, checkpoints, resume, logs, progress bar.
    public var controls = TrainingControls()
    /// Where the trained weights go (safetensors, with the vocabulary in the metadata).
    public var output: URL

    /// The recipe's options for `model` on `corpus`, saving to `output`.
    public init(corpus: TextCorpusChoice, model: LanguageModelKind, output: URL) {
        self.corpus = corpus
        self.model = model
        self.output = output
    }

    /// Windows per step actually used.
    public var effectiveBatchSize: Int { batchSize ?? model.defaultBatchSize }
    /// Tokens per window actually used.
    public var effectiveContext: Int { context ?? model.defaultContext }

    /// The epoch logs of the run (`val_loss` on validated epochs; see `validatesEveryEpoch`).
    public static let loggedNames = (MonitorNames.epochLogs(metrics: [], validation: true) + ["step", "tokens_per_second"]).sorted()

    /// Whether every epoch is validated (early stopping and the plateau schedule need it); otherwise
    /// only the last one is, on fresh windows, which keeps the figure comparable across runs.
    public var validatesEveryEpoch: Bool { controls.patience > 0 || controls.schedule == .plateau }

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if steps <= 0 { throw .invalidOption(name: "steps", reason: "must be positive, got \(steps)") }
        if effectiveBatchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(effectiveBatchSize)") }
        if effectiveContext < 1 { throw .invalidOption(name: "context", reason: "must be at least 1, got \(effectiveContext)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        if logEvery <= 0 { throw .invalidOption(name: "log-every", reason: "must be positive, got \(logEvery)") }
        if evalBatches < 1 { throw .invalidOption(name: "eval-batches", reason: "must be at least 1, got \(evalBatches)") }
        if sampleLength < 0 { throw .invalidOption(name: "sample-length", reason: "must be at least 0, got \(sampleLength)") }
        if prompt.isEmpty { throw .invalidOption(name: "prompt", reason: "must contain at least one character") }
        do { _ = try TextGenerator(temperature: temperature, topK: topK) } catch {
            throw .invalidOption(name: "temperature", reason: "\(error)")
        }
        try controls.validate(loggedNames: Self.loggedNames)
    }

    /// The options that decide what the run learns, by flag name, as text (recorded in checkpoints;
    /// `--resume` refuses a run whose values differ unless forced).
    public var hyperparameters: [String: String] {
        controls.hyperparameters.merging([
            "dataset": corpus.rawValue, "model": model.rawValue, "steps": String(steps), "batch-size": String(effectiveBatchSize),
            "context": String(effectiveContext), "lr": String(learningRate), "seed": String(seed), "log-every": String(logEvery),
            "eval-batches": String(evalBatches),
        ]) { _, b in b }
    }
}

import Foundation
import SynapseCore
import SynapseTraining

/// Labelled text datasets the CLI can fine-tune on.
public enum TextClassificationDatasetChoice: String, Sendable, CaseIterable {
    /// `MovieReviewSnippets`: 10,566 Rotten Tomatoes snippets, negative or positive.
    case movieReviews = "movie-reviews"
}

/// Everything a text-classification fine-tuning run needs (the flags of `synapse train --dataset
/// movie-reviews --model minilm --finetune frozen|lora|full`).
public struct TextClassificationOptions: Sendable {
    /// The labelled texts.
    public var dataset: TextClassificationDatasetChoice = .movieReviews
    /// The snippets file (nil: found as `MovieReviewSnippets.locate()` finds it).
    public var datasetFile: URL?
    /// A pretrained model's name (`minilm`) or directory (see `PretrainedModelDirectory.resolve`).
    public var model = "minilm"
    /// What trains.
    public var recipe: FineTuneRecipe
    /// LoRA's rank r (`.lora` only).
    public var loraRank = 8
    /// LoRA's alpha (updates scaled by alpha / r); nil: 2 × rank.
    public var loraAlpha: Double?
    /// Dropout on the adapters' inputs while training.
    public var loraDropout = 0.1
    /// Passes over the training split (nil: the recipe's default).
    public var epochs: Int?
    /// Texts per optimizer step.
    public var batchSize = 32
    /// Peak learning rate (nil: the recipe's default).
    public var learningRate: Double?
    /// AdamW's decoupled weight decay on weight matrices (biases and LayerNorm are exempt).
    public var weightDecay = 0.01
    /// Tokens per text at most, [CLS] and [SEP] included; longer texts are truncated.
    public var maxLength = 128
    /// The share of the training split used (stratified, the first of each class): 1 uses it all.
    public var trainFraction = 1.0
    /// Seed of the head's and adapters' initialisation, dropout and shuffling.
    public var seed: UInt64 = 0
    /// Schedule, clipping, early stopping, checkpoints, resume and logs.
    public var controls = TrainingControls()
    /// Where the trained classifier's weights go (safetensors).
    public var output: URL

    /// Options with the defaults above.
    public init(recipe: FineTuneRecipe, output: URL) {
        self.recipe = recipe
        self.output = output
    }

    /// The epochs this run trains.
    public var effectiveEpochs: Int { epochs ?? recipe.defaultEpochs }
    /// The learning rate this run uses.
    public var effectiveLearningRate: Double { learningRate ?? recipe.defaultLearningRate }
    /// LoRA's alpha this run uses.
    public var effectiveLoRAAlpha: Double { loraAlpha ?? Double(2 * loraRank) }

    /// Names a run logs each epoch (what `--monitor` may watch).
    public static let loggedNames = MonitorNames.classification

    /// Checks every value.
    /// - Throws: `PipelineError.invalidOption` naming the option.
    public func validate() throws(PipelineError) {
        if let epochs, epochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(epochs)") }
        if batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)")
        }
        if loraRank <= 0 { throw .invalidOption(name: "lora-rank", reason: "must be positive, got \(loraRank)") }
        if let loraAlpha, !(loraAlpha > 0 && loraAlpha.isFinite) {
            throw .invalidOption(name: "lora-alpha", reason: "must be a positive number, got \(loraAlpha)")
        }
        if !(0..<1).contains(loraDropout) { throw .invalidOption(name: "lora-dropout", reason: "must lie in [0, 1), got \(loraDropout)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { throw .invalidOption(name: "weight-decay", reason: "must be at least 0, got \(weightDecay)") }
        if maxLength < 2 { throw .invalidOption(name: "max-length", reason: "must be at least 2 ([CLS] and [SEP]), got \(maxLength)") }
        if !(trainFraction > 0 && trainFraction <= 1) {
            throw .invalidOption(name: "train-fraction", reason: "must lie in (0, 1], got \(trainFraction)")
        }
        try controls.validate(loggedNames: Self.loggedNames)
    }

    /// The options a checkpoint records (a resumed run must match them).
    public var hyperparameters: [String: String] {
        var h = controls.hyperparameters.merging([
            "dataset": dataset.rawValue, "model": model, "finetune": recipe.rawValue, "epochs": String(effectiveEpochs),
            "batch-size": String(batchSize), "lr": String(effectiveLearningRate), "seed": String(seed),
            "weight-decay": String(weightDecay), "max-length": String(maxLength), "train-fraction": String(trainFraction),
        ]) { _, b in b }
        if recipe == .lora {
            h["lora-rank"] = String(loraRank)
            h["lora-alpha"] = String(effectiveLoRAAlpha)
            h["lora-dropout"] = String(loraDropout)
        }
        return h
    }
}

import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining
#if canImport(Glibc)
import Glibc
#endif

/// The tokenized splits of a text-classification run, with the pretrained model's location.
public struct TextClassificationData {
    /// The training split (after `trainFraction`).
    public let train: TextClassificationDataset
    /// The validation split: each epoch's `val_loss` and `val_accuracy`, early stopping.
    public let validation: TextClassificationDataset
    /// The test split: the reported accuracy.
    public let test: TextClassificationDataset
    /// The sentence-transformers pipeline of the pretrained model (its pooling).
    public let pipeline: SentenceTransformerPipeline
    /// The directory of the pretrained encoder (config.json, weights, vocab.txt).
    public let encoderDirectory: URL
}

/// What a fine-tuning run reached.
public struct TextClassificationResult {
    /// Every trained epoch's logs (including epochs restored from a checkpoint).
    public let history: TrainingHistory
    /// Accuracy of the saved weights on the test split.
    public let testAccuracy: Double
    /// Accuracy of the saved weights on the validation split.
    public let validationAccuracy: Double
    /// Mean training seconds of the epochs trained in this run (validation excluded).
    public let secondsPerEpoch: Double
    /// Parameters that trained (head, plus adapters or the whole encoder).
    public let trainableParameters: Int
    /// Every parameter of the classifier (adapters included while attached).
    public let totalParameters: Int
    /// The process's peak resident memory in MiB at the end of the run (`getrusage`'s `ru_maxrss`).
    public let peakMemoryMiB: Double
    /// The epoch whose weights were kept (early stopping's best epoch; else the last).
    public let bestEpoch: Int
    /// The trained classifier (LoRA adapters merged into the encoder's weights).
    public let model: BertSequenceClassifier
    /// Where the weights were saved.
    public let weights: URL
    /// Where a LoRA run saved its adapter alone (peft's layout), if it did.
    public let adapterDirectory: URL?
}

/// Fine-tunes a pretrained BERT encoder (all-MiniLM-L6-v2 by default) with a new linear head on
/// labelled text — the job behind `synapse train --dataset movie-reviews --model minilm --finetune
/// frozen|lora|full`. The three recipes differ only in what trains (see `FineTuneRecipe`); every
/// recipe uses AdamW (weight decay on weight matrices only), the shared `TrainingControls` and
/// `Trainer`, dynamic padding, and cross-entropy on the head's logits over the mean-pooled tokens
/// (the model's own sentence-transformers pooling). Each epoch is validated on the validation
/// split; the test split is scored once, at the end, with the saved weights.
///
/// The saved weights are the whole `BertSequenceClassifier` (Hugging Face names: `bert.*`,
/// `classifier.*`); a LoRA run merges its adapters into them and also saves the adapter alone
/// (`adapter_config.json` + `adapter_model.safetensors`, peft's format) in `adapter/` beside them.
public final class TextClassificationJob {
    /// The run's options.
    public let options: TextClassificationOptions
    /// Where progress lines go (standard output in the CLI).
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: TextClassificationOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads and splits the dataset, finds the pretrained model and tokenizes every split; call it
    /// before creating output directories so a refused run leaves nothing behind.
    /// - Throws: `DataError` (dataset), `PretrainedModelError` / `TokenizerError` (model directory),
    ///   `PipelineError` (bad options, a training split smaller than a batch).
    public func loadData() throws -> TextClassificationData {
        try options.validate()
        let splits = try MovieReviewSnippets.load(file: options.datasetFile)
        let train = options.trainFraction < 1 ? splits.train.stratifiedPrefix(fraction: options.trainFraction) : splits.train
        let directory = try PretrainedModelDirectory.resolve(options.model)
        let pipeline = try SentenceTransformerPipeline(directory: directory)
        let tokenizer = try BertTokenizer(directory: pipeline.transformerDirectory)
        let maxLength = min(options.maxLength, tokenizer.modelMaxLength)
        guard train.count >= options.batchSize else {
            throw PipelineError.invalidOption(name: "batch-size", reason: "the training split has \(train.count) texts, "
                                              + "fewer than one batch of \(options.batchSize) (raise --train-fraction or lower --batch-size)")
        }
        return TextClassificationData(
            train: TextClassificationDataset(train, tokenizer: tokenizer, maxLength: maxLength),
            // Evaluation order does not change accuracy: longest first pads each batch least.
            validation: TextClassificationDataset(splits.validation, tokenizer: tokenizer, maxLength: maxLength).sortedByLength(),
            test: TextClassificationDataset(splits.test, tokenizer: tokenizer, maxLength: maxLength).sortedByLength(),
            pipeline: pipeline, encoderDirectory: pipeline.transformerDirectory)
    }

    /// Checks, before anything is created, that `controls.resume` (if set) is a readable checkpoint
    /// whose recorded hyperparameters match this run's (or `force` is set).
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log) }

    /// Builds the classifier for `data`: the pretrained encoder, a new head, the recipe applied
    /// (frozen encoder, LoRA adapters, or nothing frozen). Returns the LoRA configuration when one applies.
    public func makeClassifier(_ data: TextClassificationData) throws -> (BertSequenceClassifier, LoRAConfiguration?) {
        let generator = RandomGenerator(seed: options.seed)
        let encoder = try BertModel(directory: data.encoderDirectory)
        let classifier = BertSequenceClassifier(bert: encoder, classes: data.train.classNames.count,
                                                pooling: .tokens(data.pipeline.pooling), generator: generator)
        switch options.recipe {
        case .full:
            return (classifier, nil)
        case .frozen:
            classifier.bert.freeze()
            return (classifier, nil)
        case .lora:
            let config = LoRAConfiguration(rank: options.loraRank, alpha: options.effectiveLoRAAlpha, dropout: options.loraDropout,
                                           targetModules: ["query", "value"], modulesToSave: ["classifier"])
            try classifier.applyLoRA(config, generator: generator)
            return (classifier, config)
        }
    }

    /// Runs the job on `data` (nil: `loadData()`).
    /// - Throws: `PipelineError` (bad options), `DataError`, `PretrainedModelError`, `CheckpointError`
    ///   (bad resume file), `TrainingError` (divergence), I/O errors of the logs and outputs.
    @discardableResult
    public func run(data: TextClassificationData? = nil) throws -> TextClassificationResult {
        let data = try data ?? loadData()
        let o = options, c = o.controls
        try o.validate()
        manualSeed(o.seed)
        let (classifier, lora) = try makeClassifier(data)
        let (decay, noDecay) = classifier.weightDecayGroups()
        let lr = o.effectiveLearningRate, epochs = o.effectiveEpochs
        let optimizer = GroupedOptimizer(groups: [
            ParameterGroup(decay, learningRate: lr, weightDecay: o.weightDecay, name: "decay"),
            ParameterGroup(noDecay, learningRate: lr, name: "no_decay"),
        ]) { AdamW($0.parameters, learningRate: $0.learningRate, weightDecay: $0.weightDecay) }
        let trainable = classifier.trainableParameterCount, total = classifier.parameterCount
        log("synapse train: \(o.dataset.rawValue) (\(data.train.count) train / \(data.validation.count) validation / "
            + "\(data.test.count) test), model \(o.model) --finetune \(o.recipe.rawValue): \(trainable) of \(total) parameters train, "
            + "\(ThreadPool.shared.threadCount) thread(s)")

        let trainLoader = DataLoader(data.train, batchSize: o.batchSize, shuffle: true, dropLast: false, seed: o.seed)
        let validationLoader = DataLoader(data.validation, batchSize: 64)
        let testLoader = DataLoader(data.test, batchSize: 64)
        var (callbacks, early) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: lr, epochs: epochs,
                                                        totalSteps: epochs * trainLoader.count)
        callbacks += try LoopCallbacks.reporting(c, line: ImageEpochLine(log: log, accuracyName: "val_accuracy"),
                                                 hyperparameters: o.hyperparameters)
        let trainer = Trainer(model: classifier, optimizer: optimizer, objective: .textClassification { classifier($0) },
                              train: trainLoader, validation: validationLoader, metrics: TrainingMetrics.accuracy, callbacks: callbacks)
        trainer.precision = c.precision
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: lr) }
        let resumedEpochs = trainer.context.epoch
        let history = try trainer.fit(epochs: epochs)
        if let reason = trainer.context.stopReason { log(reason) }

        let lastEpoch = trainer.context.epoch
        let bestEpoch = early.map { $0.bestEpoch > 0 ? $0.bestEpoch : lastEpoch } ?? lastEpoch
        // The last epoch already measured the validation split, unless early stopping restored an earlier epoch.
        let validationAccuracy = bestEpoch == lastEpoch ? (history.records.last?.values["val_accuracy"] ?? .nan)
            : (try trainer.evaluate(validationLoader)["accuracy"] ?? .nan)
        let testAccuracy = try trainer.evaluate(testLoader)["accuracy"] ?? .nan
        let trained = history.records.dropFirst(resumedEpochs).compactMap { $0.values["epoch_seconds"] }
        let secondsPerEpoch = trained.isEmpty ? 0 : trained.reduce(0, +) / Double(trained.count)

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        var adapterDirectory: URL?
        if let lora {
            let dir = o.output.deletingLastPathComponent().appendingPathComponent("adapter")
            try classifier.saveLoRA(lora, to: dir)
            log("saved the LoRA adapter (peft format) to \(dir.path)")
            adapterDirectory = dir
            // The weights file holds a plain classifier: adapters merged, as they are served.
            classifier.removeLoRA(merge: true)
        }
        try classifier.save(to: o.output, metadata: [
            "task": "text-classification", "dataset": o.dataset.rawValue, "model": o.model, "finetune": o.recipe.rawValue,
            "classes": data.train.classNames.joined(separator: ","), "max_length": String(o.maxLength),
            "pooling": data.pipeline.pooling.rawValue, "epochs": String(lastEpoch), "best_epoch": String(bestEpoch),
            "seed": String(o.seed), "batch_size": String(o.batchSize), "lr": String(lr),
        ])
        log("saved weights to \(o.output.path)")
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: o.dataset.rawValue).write(to: dir) }
        return TextClassificationResult(history: history, testAccuracy: testAccuracy, validationAccuracy: validationAccuracy,
                                        secondsPerEpoch: secondsPerEpoch, trainableParameters: trainable, totalParameters: total,
                                        peakMemoryMiB: Self.peakResidentMiB(), bestEpoch: bestEpoch, model: classifier,
                                        weights: o.output, adapterDirectory: adapterDirectory)
    }

    /// The process's peak resident set so far, in MiB (Linux reports `ru_maxrss` in KiB).
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
        return Double(usage.ru_maxrss) / 1024
    }
}

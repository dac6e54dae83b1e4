import Foundation
import SynapseCore
import SynapseData
import SynapseModels
import SynapseTraining

/// What a language-model training run reached.
public struct LanguageModelTrainingResult {
    /// Every epoch's logs (one per `logEvery` steps; including epochs restored from a checkpoint).
    public let history: TrainingHistory
    /// Mean next-token loss on the validation windows after training.
    public let validationLoss: Double
    /// Mean training loss of the last epoch.
    public let trainLoss: Double
    /// Training tokens per second over the steps trained in this run.
    public let tokensPerSecond: Double
    /// Optimizer steps taken in all (across resumes).
    public let steps: Int
    /// The generated sample (prompt included), nil when `sampleLength` is 0.
    public let sample: String?
    /// The trained model.
    public let model: any LanguageModel
    /// Where the weights were saved.
    public let weights: URL
}

/// Trains a character language model end to end — the job behind `synapse train --dataset
/// shakespeare|vim-docs --model char-lstm|gpt`: loads the corpus, keeps the last 10% as
/// validation text, trains the recipe's model with `Trainer.fit(steps:)` on random windows
/// (`TextWindows`; one epoch per `logEvery` steps), with the shared `TrainingControls`, measures the
/// validation loss, saves the weights with the vocabulary and architecture in the metadata (what
/// `synapse generate` reads) and generates a sample.
///
/// The training windows and the final validation windows are drawn as the W4/W5 benchmarks and the
/// PyTorch reference scripts draw them (`TextWindows.trainingGenerator`, `.validationGenerator`).
public final class LanguageModelTrainingJob {
    /// The run's options.
    public let options: LanguageModelTrainingOptions
    /// Where progress lines go (standard output in the CLI).
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: LanguageModelTrainingOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads the corpus, splits it and checks that both parts are longer than a window; call it
    /// before creating output directories so a refused run leaves nothing behind.
    /// - Throws: `DataError`, `PipelineError.invalidOption` naming `context`.
    public func loadData() throws -> (corpus: TextCorpus, train: TextCorpus, validation: TextCorpus) {
        let corpus = try options.corpus.load()
        let (train, validation) = corpus.split(trainFraction: options.trainFraction)
        let context = options.effectiveContext
        guard train.count > context, validation.count > context else {
            throw PipelineError.invalidOption(name: "context", reason: "\(context) is longer than the \(options.corpus.rawValue) corpus' "
                                              + "splits (\(train.count) train / \(validation.count) validation tokens)")
        }
        return (corpus, train, validation)
    }

    /// Checks, before anything is created, that `controls.resume` (if set) is a readable checkpoint
    /// whose recorded hyperparameters match this run's (or `force` is set).
    /// - Throws: `CheckpointError`, `PipelineError.invalidOption` listing the differences.
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log) }

    /// Runs the job on `data` (nil: `loadData()`).
    /// - Throws: `PipelineError` (bad options), `DataError`, `CheckpointError` (bad resume file),
    ///   `TrainingError` (divergence), I/O errors of the logs and outputs.
    @discardableResult
    public func run(data: (corpus: TextCorpus, train: TextCorpus, validation: TextCorpus)? = nil) throws -> LanguageModelTrainingResult {
        let o = options, c = o.controls
        try o.validate()
        let (corpus, train, validation) = try data ?? loadData()
        let batchSize = o.effectiveBatchSize, context = o.effectiveContext
        manualSeed(o.seed)
        let architecture = LanguageModelArchitecture(kind: o.model, vocabularySize: corpus.vocabularySize, context: context)
        let model = try architecture.make(generator: RandomGenerator(seed: o.seed), source: "--context")
        let optimizer = o.model.makeOptimizer(for: model, learningRate: o.learningRate)
        log("synapse train: \(o.corpus.rawValue) (\(train.count) train / \(validation.count) validation tokens, "
            + "\(corpus.vocabularySize) characters), model \(o.model.rawValue) (\(model.parameterCount) parameters), "
            + "batch \(batchSize) × \(context) tokens, \(o.steps) steps, \(ThreadPool.shared.threadCount) thread(s)")

        let trainLoader = TextWindows(train, length: context)
            .loader(batchSize: batchSize, batchesPerEpoch: o.logEvery, generator: TextWindows.trainingGenerator(seed: o.seed))
        let validationLoader = TextWindows(validation, length: context)
            .loader(batchSize: batchSize, batchesPerEpoch: o.evalBatches, generator: TextWindows.validationGenerator(seed: o.seed))
        let epochs = (o.steps + o.logEvery - 1) / o.logEvery
        var (callbacks, early) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: o.learningRate, epochs: epochs,
                                                        totalSteps: o.steps)
        let line = LanguageModelStepLine(context: context, log: log)
        callbacks += try LoopCallbacks.reporting(c, line: line, hyperparameters: o.hyperparameters)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: .languageModel(model), train: trainLoader,
                              validation: validationLoader, callbacks: callbacks)
        trainer.precision = options.controls.precision
        // Without early stopping or the plateau schedule only the last epoch is validated (on fresh windows).
        trainer.validationInterval = o.validatesEveryEpoch ? 1 : Int.max
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let history = try trainer.fit(steps: o.steps)
        if let reason = trainer.context.stopReason { log(reason) }
        let restoredBest = early.map { $0.bestEpoch > 0 && $0.bestEpoch != trainer.context.epoch } ?? false
        // Restored best weights are not the last epoch's: measure what is saved.
        let validationLoss = restoredBest ? (try trainer.evaluate(validationLoader)["loss"] ?? .nan)
            : (history.records.last?.values["val_loss"] ?? .nan)
        log(String(format: "validation_loss %.4f  (%d batches of %d × %d tokens from the last %.0f%%)",
                   validationLoss, o.evalBatches, batchSize, context, (1 - o.trainFraction) * 100))

        let vocabulary = CharacterVocabulary(corpus)
        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try model.save(to: o.output, metadata: architecture.metadata.merging([
            "dataset": o.corpus.rawValue, "steps": String(trainer.context.globalStep), "seed": String(o.seed),
            CharacterVocabulary.metadataKey: vocabulary.metadataValue,
            "validation_loss": String(format: "%.4f", validationLoss), "batch_size": String(batchSize), "lr": String(o.learningRate),
        ]) { a, _ in a })
        log("saved weights to \(o.output.path)")
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: o.corpus.rawValue).write(to: dir) }

        var sample: String?
        if o.sampleLength > 0 {
            let generator = try TextGenerator(temperature: o.temperature, topK: o.topK)
            let ids = try generator.generate(model, prompt: try vocabulary.encode(o.prompt), length: o.sampleLength,
                                             generator: RandomGenerator(seed: o.seed, stream: .sampling))
            sample = o.prompt + vocabulary.decode(ids)
            log("---- sample (temperature \(o.temperature)\(o.topK.map { ", top-k \($0)" } ?? "")) ----")
            log(sample!)
            log("----")
        }
        return LanguageModelTrainingResult(history: history, validationLoss: validationLoss,
                                           trainLoss: history.records.last?.values["loss"] ?? .nan,
                                           tokensPerSecond: line.tokensPerSecond, steps: trainer.context.globalStep, sample: sample,
                                           model: model, weights: o.output)
    }
}

/// The language-model run's epoch logs and line: adds `step` and `tokens_per_second` to each
/// epoch's logs (so the history and TensorBoard get them) and prints
/// `step 100/500  train_loss 2.1234  41234 tokens/s  3.2 s` after each epoch of `logEvery` steps.
final class LanguageModelStepLine: TrainingCallback {
    let context: Int
    let log: (String) -> Void
    private var seconds = 0.0, tokens = 0.0

    init(context: Int, log: @escaping (String) -> Void) {
        self.context = context
        self.log = log
    }

    /// Training tokens per second over the epochs trained so far in this run.
    var tokensPerSecond: Double { tokens / max(seconds, 1e-9) }

    func epochEnd(_ context: TrainingContext) throws {
        let epochSeconds = context.epochLogs["epoch_seconds"] ?? 0
        let epochTokens = Double(context.samplesInEpoch * self.context)
        seconds += epochSeconds
        tokens += epochTokens
        context.epochLogs["step"] = Double(context.globalStep)
        context.epochLogs["tokens_per_second"] = epochTokens / max(epochSeconds, 1e-9)
    }

    func epochCommitted(_ context: TrainingContext) throws {
        let l = context.epochLogs
        log(String(format: "step %d/%d  train_loss %.4f  %.0f tokens/s  %.1f s", context.globalStep, context.targetSteps ?? context.globalStep,
                   l["loss"] ?? .nan, l["tokens_per_second"] ?? .nan, seconds))
    }
}

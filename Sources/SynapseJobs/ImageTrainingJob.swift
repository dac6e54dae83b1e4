import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What an image-classifier training run reached.
public struct ImageTrainingResult {
    /// Every trained epoch's logs (including epochs restored from a checkpoint).
    public let history: TrainingHistory
    /// Test accuracy of the saved weights.
    public let testAccuracy: Double
    /// Mean training seconds of the epochs trained in this run (validation excluded).
    public let secondsPerEpoch: Double
    /// The epoch whose weights were kept (early stopping's best epoch; else the last).
    public let bestEpoch: Int
    /// Why training ended before the last epoch (early stopping), if it did.
    public let stopReason: String?
    /// The trained network.
    public let model: any Layer
    /// Where the weights were saved.
    public let weights: URL
}

/// Trains an image classifier end to end — the job behind `synapse train --dataset
/// fashion-mnist|mnist --model mlp|cnn`: loads and checks the splits, builds the recipe's network
/// and Adam, trains it with `Trainer` (cross-entropy, the test split as the validation set, so each
/// epoch logs `val_loss` and `val_accuracy` on it), with the shared `TrainingControls` (schedule,
/// clipping, early stopping, checkpoints, resume, logs), and saves the weights with what
/// evaluation needs to rebuild the network in their metadata.
///
/// The IDX datasets have no validation split: early stopping and `best.safetensors` watch the test
/// split, which makes the reported accuracy optimistic — leave `patience` at 0 for an unbiased figure.
public final class ImageTrainingJob {
    /// The run's options.
    public let options: ImageTrainingOptions
    /// Where progress lines go (standard output in the CLI).
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: ImageTrainingOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads and checks the dataset's splits (see `ImageDatasetChoice.loadChecked`); call it before
    /// creating output directories so a refused run leaves nothing behind, and hand the result to `run`.
    public func loadData() throws -> (train: TensorDataset, test: TensorDataset) {
        try options.dataset.loadChecked(batchSize: options.batchSize)
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
    public func run(data: (train: TensorDataset, test: TensorDataset)? = nil) throws -> ImageTrainingResult {
        let o = options, c = o.controls
        try o.validate()
        let (train, test) = try data ?? loadData()
        // Accuracy over no examples is undefined, not 0: refused before any step.
        guard test.count > 0 else { throw TrainingError.emptyEvaluationSet(name: "test") }
        manualSeed(o.seed)
        let architecture = ImageClassifierArchitecture(kind: o.model, inputShape: train.exampleShape, classes: 10)
        let network = try architecture.make(generator: RandomGenerator(seed: o.seed))
        let optimizer = Adam(network.parameters(), learningRate: o.learningRate)
        log("synapse train: \(o.dataset.rawValue) (\(train.count) train / \(test.count) test), model \(o.model.rawValue) "
            + "(\(network.parameterCount) parameters), \(ThreadPool.shared.threadCount) thread(s)")

        let trainLoader = DataLoader(train, batchSize: o.batchSize, shuffle: true, dropLast: true, seed: o.seed)
        let testLoader = DataLoader(test, batchSize: 1000)
        var (callbacks, early) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                        totalSteps: o.epochs * trainLoader.count)
        if c.showProgress { callbacks.append(ProgressBarCallback()) }
        callbacks.append(ImageEpochLine(log: log))
        callbacks += try LoopCallbacks.logging(c, batchScalars: false)
        callbacks += LoopCallbacks.checkpoints(c, hyperparameters: o.hyperparameters, every: 1)
        let trainer = Trainer(model: network, optimizer: optimizer, objective: .classification(network), train: trainLoader,
                              validation: testLoader, metrics: TrainingMetrics.accuracy, callbacks: callbacks)
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let resumedEpochs = trainer.context.epoch
        let history = try trainer.fit(epochs: o.epochs)
        if let reason = trainer.context.stopReason { log(reason) }

        let lastEpoch = trainer.context.epoch
        let bestEpoch = early.map { $0.bestEpoch > 0 ? $0.bestEpoch : lastEpoch } ?? lastEpoch
        // Restored best weights are not the last epoch's: measure what is saved.
        let testAccuracy = bestEpoch == lastEpoch ? (history.records.last?.values["val_accuracy"] ?? .nan)
            : (try trainer.evaluate(testLoader)["accuracy"] ?? .nan)
        let trained = history.records.dropFirst(resumedEpochs).compactMap { $0.values["epoch_seconds"] }
        let secondsPerEpoch = trained.isEmpty ? 0 : trained.reduce(0, +) / Double(trained.count)

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try network.save(to: o.output, metadata: architecture.metadata.merging([
            "dataset": o.dataset.rawValue, "epochs": String(lastEpoch), "seed": String(o.seed),
            "batch_size": String(o.batchSize), "lr": String(o.learningRate), "best_epoch": String(bestEpoch),
        ]) { a, _ in a })
        log("saved weights to \(o.output.path)")
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: o.dataset.rawValue).write(to: dir) }
        return ImageTrainingResult(history: history, testAccuracy: testAccuracy, secondsPerEpoch: secondsPerEpoch, bestEpoch: bestEpoch,
                                   stopReason: trainer.context.stopReason, model: network, weights: o.output)
    }
}

/// The image run's line per epoch: `epoch 3/5  train_loss 0.3312  test_accuracy 0.8712  2.41 s`
/// (the validation set is the test split).
final class ImageEpochLine: TrainingCallback {
    let log: (String) -> Void

    init(log: @escaping (String) -> Void) { self.log = log }

    func epochCommitted(_ context: TrainingContext) throws {
        let l = context.epochLogs
        log(String(format: "epoch %d/%d  train_loss %.4f  test_accuracy %.4f  %.2f s", context.epoch, context.targetEpochs,
                   l["loss"] ?? .nan, l["val_accuracy"] ?? .nan, l["epoch_seconds"] ?? .nan))
    }
}

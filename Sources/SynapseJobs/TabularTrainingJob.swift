import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What a tabular training run reached.
public struct TabularTrainingResult: Sendable {
    /// Every trained epoch's logs (including epochs restored from a checkpoint).
    public let history: TrainingHistory
    /// Why training ended before the last epoch (early stopping), if it did.
    public let stopReason: String?
    /// The epoch whose weights were kept (early stopping's best epoch; else the last).
    public let bestEpoch: Int
    /// Test-split metrics of the kept weights (`accuracy`, `f1`, `roc_auc`, ... or `mae`, `rmse`, `r2`, ...),
    /// plus baselines' metrics (`persistence_rmse`, `training_mean_r2`, ...).
    public let testMetrics: [String: Double]
    /// The split's leakage check.
    public let leakage: LeakageReport
    /// Where the weights were saved.
    public let weights: URL
    /// Where the preprocessing state was saved.
    public let preprocessing: URL
    /// Sizes of the train, validation and test parts.
    public let splitSizes: (train: Int, validation: Int, test: Int)
}

/// Trains an MLP on one of the tabular benchmarks end to end — the job behind
/// `synapse train --dataset breast-cancer|diabetes|sunspots|co2`:
///
/// 1. load, split (stratified / random / time-ordered), check the split for leakage and refuse a
///    leaky one; fit the preprocessing on the training split only;
/// 2. train with `Trainer`: validation every epoch, early stopping on `monitor` with best-weights
///    restore, optional LR schedule and gradient clipping, checkpoints, resume, logs (JSONL/CSV
///    history, TensorBoard events, SVG curves);
/// 3. save the weights (architecture and split in the safetensors metadata) and the preprocessing
///    next to them, and measure the test split (plus baselines for regression and forecasting).
public final class TabularTrainingJob {
    /// The run's options.
    public let options: TabularTrainingOptions
    /// Where progress lines go (standard output in the CLI).
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: TabularTrainingOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Runs the job.
    /// - Throws: `PipelineError` (bad options, leaky split), `DataError` (dataset not installed),
    ///   `CheckpointError` (bad `resume` file), I/O errors of the logs and outputs.
    @discardableResult
    public func run() throws -> TabularTrainingResult {
        try options.validate()
        let o = options
        let data = try TabularExperimentData(benchmark: o.benchmark, seed: o.seed, validation: o.validationFraction,
                                             test: o.testFraction, window: o.window, splitOverride: o.splitOverride)
        log(data.leakage.description)
        guard data.leakage.isClean else { throw PipelineError.leakySplit(report: data.leakage.description) }

        manualSeed(o.seed)
        let classes = o.benchmark.task == .classification ? data.classNames.count : 1
        try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: data.inputSize, hiddenSizes: o.hiddenSizes, classes: classes),
                                 model: "MLP \(o.hiddenSizes)", source: "--hidden")
        let model = MLPClassifier(inputSize: data.inputSize, hiddenSizes: o.hiddenSizes, classes: classes,
                                  generator: RandomGenerator(seed: o.seed))
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate)
        log("synapse train: \(o.benchmark.rawValue) (\(o.benchmark.task.rawValue); \(data.split.train.count) train / "
            + "\(data.split.validation.count) validation / \(data.split.test.count) test), MLP \(data.inputSize)-"
            + (o.hiddenSizes.map(String.init) + [String(classes)]).joined(separator: "-") + " (\(model.parameterCount) parameters)")

        let (history, stopReason, bestEpoch): (TrainingHistory, String?, Int)
        if let sets = data.classification {
            (history, stopReason, bestEpoch) = try fit(model: model, optimizer: optimizer, train: sets.train, validation: sets.validation,
                                                       objective: .classification(model), metrics: TrainingMetrics.accuracy)
        } else if let sets = data.regression {
            let objective = TrainingObjective<RegressionDataset.Batch>(forward: { b in
                let y = model(b.features)
                return (y, mseLoss(y, b.targets))
            }, targets: { $0.targets })
            (history, stopReason, bestEpoch) = try fit(model: model, optimizer: optimizer, train: sets.train, validation: sets.validation,
                                                       objective: objective, metrics: TrainingMetrics.regressionErrors)
        } else {
            requireFailure("TabularTrainingJob: prepared data holds neither classification nor regression sets")
        }
        if let stopReason { log(stopReason) }

        // Weights with what evaluation needs to rebuild the model and the split; preprocessing beside them.
        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try model.save(to: o.output, metadata: [
            "dataset": o.benchmark.rawValue, "model": "mlp", "hidden": o.hiddenSizes.map(String.init).joined(separator: ","),
            "seed": String(o.seed), "validation": String(o.validationFraction), "test": String(o.testFraction),
            "window": String(o.window), "epochs": String(history.records.count), "best_epoch": String(bestEpoch),
            "input_size": String(data.inputSize), "classes": String(classes), "task": o.benchmark.task.rawValue,
        ])
        let preprocessingURL = TabularTrainingOptions.preprocessingURL(forWeights: o.output)
        try data.preprocessing.save(to: preprocessingURL)
        log("saved weights to \(o.output.path) and preprocessing to \(preprocessingURL.path)")
        if let dir = o.logDirectory {
            let files = try TrainingCurvesPlot(history: history, title: o.benchmark.rawValue).write(to: dir)
            log("wrote logs to \(dir.path) (history.jsonl, history.csv, TensorBoard events, \(files.map(\.lastPathComponent).joined(separator: ", ")))")
        }

        var metrics: [String: Double]
        if let sets = data.classification {
            metrics = try TabularTestMetrics.classification(model: model, test: sets.test).metrics
        } else {
            let predictions = try TabularTestMetrics.regressionPredictions(model: model, test: data.regression!.test, invert: data.invertTarget)
            metrics = TabularTestMetrics.regression(try RegressionSummary(targets: data.testTargets, predictions: predictions))
            metrics.merge(try TabularTestMetrics.baselines(data.baselines, targets: data.testTargets)) { a, _ in a }
        }
        log("test: " + metrics.keys.sorted().map { "\($0) \(EpochLinePrinter.format(metrics[$0]!))" }.joined(separator: "  "))
        return TabularTrainingResult(history: history, stopReason: stopReason, bestEpoch: bestEpoch, testMetrics: metrics,
                                     leakage: data.leakage, weights: o.output, preprocessing: preprocessingURL,
                                     splitSizes: (data.split.train.count, data.split.validation.count, data.split.test.count))
    }

    /// Checks, before anything is created, that `options.resume` (if set) is a readable checkpoint
    /// whose recorded hyperparameters match this run's (or `force` is set). `run()` checks again;
    /// call this first so a refused resume leaves no run directory or log behind.
    /// - Throws: `CheckpointError` (unreadable file), `PipelineError.invalidOption` listing the
    ///   differing hyperparameters.
    public func validateResume() throws {
        guard let resume = options.resume else { return }
        _ = try resumableCheckpoint(resume)
    }

    /// Builds the trainer and its callbacks, resumes if asked, and trains.
    private func fit<D: BatchedDataset>(model: MLPClassifier, optimizer: Adam, train: D, validation: D,
                                        objective: TrainingObjective<D.Batch>,
                                        metrics: @escaping MetricFunction) throws -> (TrainingHistory, String?, Int) {
        let o = options
        let epochs = o.effectiveEpochs
        let trainLoader = DataLoader(train, batchSize: o.batchSize, shuffle: true, seed: o.seed)
        let validationLoader = DataLoader(validation, batchSize: 1024)
        try trainLoader.validateNotEmpty(name: "\(o.benchmark.rawValue) training split")
        try validationLoader.validateNotEmpty(name: "\(o.benchmark.rawValue) validation split")
        var callbacks: [any TrainingCallback] = []
        if let clipNorm = o.clipNorm { callbacks.append(GradientClippingCallback(maxNorm: clipNorm)) }
        switch o.schedule {
        case .none: break
        case .cosine:
            let steps = epochs * trainLoader.count
            callbacks.append(LRSchedulerCallback(ScheduledLR(optimizer, schedule: CosineAnnealingLR(tMax: steps, etaMin: o.learningRate * 0.01)),
                                                 interval: .batch))
        case .step:
            callbacks.append(LRSchedulerCallback(ScheduledLR(optimizer, schedule: StepLR(stepSize: max(epochs / 3, 1), gamma: 0.1)), interval: .epoch))
        case .plateau:
            callbacks.append(LRSchedulerCallback(ReduceLROnPlateau(optimizer, mode: .min, factor: 0.5, patience: 5), monitor: "val_loss"))
        }
        let early = o.patience > 0
            ? EarlyStopping(monitor: o.monitor, mode: o.monitorMode, patience: o.patience, restoreBestWeights: true) : nil
        if let early { callbacks.append(early) }
        if o.showProgress { callbacks.append(ProgressBarCallback()) }
        callbacks.append(EpochLinePrinter(every: max(epochs / 10, 1), log: log))
        if let dir = o.logDirectory {
            callbacks.append(HistoryLogger(jsonLines: dir.appendingPathComponent("history.jsonl"), csv: dir.appendingPathComponent("history.csv")))
            callbacks.append(TensorBoardCallback(writer: try TensorBoardWriter(logDirectory: dir)))
        }
        callbacks.append(RunSignature(options: o.hyperparameters))
        if let dir = o.checkpointDirectory {
            callbacks.append(ModelCheckpoint(directory: dir, every: o.checkpointEvery ?? o.defaultCheckpointEvery, monitor: o.monitor, mode: o.monitorMode))
        }
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader,
                              validation: validationLoader, metrics: metrics, callbacks: callbacks)
        if let resume = o.resume {
            let (checkpoint, changed) = try resumableCheckpoint(resume)
            try trainer.restore(checkpoint, path: resume.path)
            // The restore brings back the checkpoint's learning rate; a forced new --lr takes over from here.
            if changed.contains("lr") { optimizer.learningRate = o.learningRate }
            log("resumed from \(resume.path) after epoch \(trainer.context.epoch)")
        }
        let history = try trainer.fit(epochs: epochs)
        let best = early.map { $0.bestEpoch > 0 ? $0.bestEpoch : trainer.context.epoch } ?? trainer.context.epoch
        return (history, trainer.context.stopReason, best)
    }

    /// Reads the checkpoint to resume from and compares the hyperparameters it recorded with this
    /// run's: any difference is refused (listing each one) unless `force` is set.
    private func resumableCheckpoint(_ url: URL) throws -> (checkpoint: Checkpoint, changed: Set<String>) {
        var checkpoint = try Checkpoint.read(from: url)
        let current = options.hyperparameters
        var changed = Set<String>()
        if let state = checkpoint.callbacks[RunSignature.key] {
            let recorded = RunSignature.options(in: state)
            let differences = RunSignature.differences(recorded: recorded, current: current)
            changed = Set(current.keys.filter { recorded[$0] != current[$0] })
            if !differences.isEmpty {
                guard options.force else {
                    throw PipelineError.invalidOption(name: "resume", reason: "\(url.path) was written with other hyperparameters:\n  "
                        + differences.joined(separator: "\n  ") + "\nuse the checkpoint's values, or pass --force to resume anyway")
                }
                log("warning: resuming with other hyperparameters than the checkpoint (--force): " + differences.joined(separator: "; "))
            }
        } else {
            log("warning: \(url.path) records no hyperparameters (written by an older version); they cannot be compared")
        }
        // The trainer expects state for every checkpointable callback, this one included.
        checkpoint.callbacks[RunSignature.key] = RunSignature.state(current)
        return (checkpoint, changed)
    }
}

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

/// Trains an MLP on one of the tabular benchmarks or a user's CSV file end to end — the job behind
/// `synapse train --dataset breast-cancer|diabetes|sunspots|co2` and `synapse train --csv FILE --label COLUMN`:
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
        let data = try loadData()
        log(data.leakage.description)
        guard data.leakage.isClean else { throw PipelineError.leakySplit(report: data.leakage.description) }

        manualSeed(o.seed)
        let classes = data.task == .classification ? data.classNames.count : 1
        try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: data.inputSize, hiddenSizes: o.hiddenSizes, classes: classes),
                                 model: "MLP \(o.hiddenSizes)", source: "--hidden")
        let model = MLPClassifier(inputSize: data.inputSize, hiddenSizes: o.hiddenSizes, classes: classes,
                                  generator: RandomGenerator(seed: o.seed))
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate)
        log("synapse train: \(data.name) (\(data.task.rawValue); \(data.split.train.count) train / "
            + "\(data.split.validation.count) validation / \(data.split.test.count) test), MLP \(data.inputSize)-"
            + (o.hiddenSizes.map(String.init) + [String(classes)]).joined(separator: "-") + " (\(model.parameterCount) parameters)")

        let (history, stopReason, bestEpoch): (TrainingHistory, String?, Int)
        if let sets = data.classification {
            (history, stopReason, bestEpoch) = try fit(model: model, optimizer: optimizer, train: sets.train, validation: sets.validation,
                                                       objective: .classification(model), metrics: TrainingMetrics.accuracy)
        } else if let sets = data.regression {
            (history, stopReason, bestEpoch) = try fit(model: model, optimizer: optimizer, train: sets.train, validation: sets.validation,
                                                       objective: .regression(model), metrics: TrainingMetrics.regressionErrors)
        } else {
            requireFailure("TabularTrainingJob: prepared data holds neither classification nor regression sets")
        }
        if let stopReason { log(stopReason) }

        // Weights with what evaluation needs to rebuild the model and the split; preprocessing beside them.
        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try model.save(to: o.output, metadata: [
            "dataset": data.name, "model": "mlp", "hidden": o.hiddenSizes.map(String.init).joined(separator: ","),
            "seed": String(o.seed), "validation": String(o.validationFraction), "test": String(o.testFraction),
            "window": String(o.window), "epochs": String(history.records.count), "best_epoch": String(bestEpoch),
            "input_size": String(data.inputSize), "classes": String(classes), "task": data.task.rawValue,
        ].merging(csvMetadata(data)) { a, _ in a })
        let preprocessingURL = TabularTrainingOptions.preprocessingURL(forWeights: o.output)
        try data.preprocessing.save(to: preprocessingURL)
        log("saved weights to \(o.output.path) and preprocessing to \(preprocessingURL.path)")
        let trainingFeatures = data.classification?.train.features ?? data.regression!.train.features
        let profile = try ServingProfile.write(forWeights: o.output, trainingFeatures: trainingFeatures, seed: o.seed)
        log("saved the training-data profile (drift monitoring when served) to \(profile.path)")
        if let dir = o.logDirectory {
            let files = try TrainingCurvesPlot(history: history, title: data.name).write(to: dir)
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

    /// Loads, splits and prepares the run's data (the built-in dataset or the CSV file). Call it
    /// before creating output directories to refuse a bad file early; `run()` loads it again.
    /// - Throws: `DataError` naming the file, `SplitError`, `PipelineError`.
    public func loadData() throws -> TabularExperimentData {
        let o = options
        switch o.source {
        case .benchmark(let benchmark):
            return try TabularExperimentData(benchmark: benchmark, seed: o.seed, validation: o.validationFraction,
                                             test: o.testFraction, window: o.window, splitOverride: o.splitOverride)
        case .csv(let csv):
            return try TabularExperimentData(csv: csv, seed: o.seed, validation: o.validationFraction, test: o.testFraction,
                                             splitOverride: o.splitOverride)
        }
    }

    /// What a CSV run adds to the weights' metadata: the file, label and class names (JSON array),
    /// so the data can be mapped again for prediction.
    private func csvMetadata(_ data: TabularExperimentData) -> [String: String] {
        guard case .csv(let csv) = options.source else { return [:] }
        var m = ["source": "csv", "csv": csv.file.standardizedFileURL.path, "label": csv.label]
        if let names = try? JSONSerialization.data(withJSONObject: data.classNames), !data.classNames.isEmpty {
            m["class_names"] = String(decoding: names, as: UTF8.self)
        }
        return m
    }

    /// Checks, before anything is created, that `options.resume` (if set) is a readable checkpoint
    /// whose recorded hyperparameters match this run's (or `force` is set). `run()` checks again;
    /// call this first so a refused resume leaves no run directory or log behind.
    /// - Throws: `CheckpointError` (unreadable file), `PipelineError.invalidOption` listing the
    ///   differing hyperparameters.
    public func validateResume() throws {
        guard let resume = options.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    /// Builds the trainer and its callbacks, resumes if asked, and trains.
    private func fit<D: BatchedDataset>(model: MLPClassifier, optimizer: Adam, train: D, validation: D,
                                        objective: TrainingObjective<D.Batch>,
                                        metrics: @escaping MetricFunction) throws -> (TrainingHistory, String?, Int) {
        let o = options
        let epochs = o.effectiveEpochs
        let trainLoader = DataLoader(train, batchSize: o.batchSize, shuffle: true, seed: o.seed)
        let validationLoader = DataLoader(validation, batchSize: 1024)
        try trainLoader.validateNotEmpty(name: "\(o.datasetName) training split")
        try validationLoader.validateNotEmpty(name: "\(o.datasetName) validation split")
        let controls = o.controls
        var (callbacks, early) = LoopCallbacks.training(controls, optimizer: optimizer, learningRate: o.learningRate, epochs: epochs,
                                                        totalSteps: epochs * trainLoader.count)
        callbacks += try LoopCallbacks.reporting(controls, line: EpochLinePrinter(every: max(epochs / 10, 1), log: log),
                                                 hyperparameters: o.hyperparameters, batchScalars: true,
                                                 checkpointEvery: o.defaultCheckpointEvery)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader,
                              validation: validationLoader, metrics: metrics, callbacks: callbacks)
        trainer.precision = o.precision
        if let resume = o.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let history = try trainer.fit(epochs: epochs)
        let best = early.map { $0.bestEpoch > 0 ? $0.bestEpoch : trainer.context.epoch } ?? trainer.context.epoch
        return (history, trainer.context.stopReason, best)
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.force, log: log) }
}

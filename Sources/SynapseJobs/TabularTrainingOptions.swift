import Foundation
import SynapseCore
import SynapseData
import SynapseOptim

/// Where a tabular run's data comes from.
public enum TabularSource: Sendable, Equatable {
    /// A built-in dataset.
    case benchmark(TabularBenchmark)
    /// A user's CSV file.
    case csv(CSVTrainingSource)
}

/// Everything that defines a tabular or forecasting training run; `synapse train` fills it from
/// its flags (and `--config` file). Defaults are the documented example runs.
public struct TabularTrainingOptions: Sendable {
    /// Learning-rate schedules selectable by name (`--lr-schedule`), shared by every job.
    public typealias Schedule = LearningRateScheduleChoice

    /// Where the data comes from: a built-in dataset or a user's CSV file.
    public var source: TabularSource
    /// Passes over the training split (early stopping may end sooner); nil: the dataset's default.
    public var epochs: Int?
    /// Examples per step.
    public var batchSize = 32
    /// Adam's learning rate.
    public var learningRate: Double = 1e-3
    /// Seed of the split, initialisation and shuffling.
    public var seed: UInt64 = 0
    /// Hidden layer widths of the MLP.
    public var hiddenSizes = [64, 32]
    /// Early-stopping patience in epochs (0: no early stopping). The best epoch's weights are restored.
    public var patience = 20
    /// The epoch log early stopping and the best checkpoint watch (lower is better for `*loss`,
    /// `*mae`, `*mse`; higher otherwise).
    public var monitor = "val_loss"
    /// Learning-rate schedule.
    public var schedule: Schedule = .none
    /// Clip the gradient's global L2 norm to this before each step (nil: no clipping).
    public var clipNorm: Double?
    /// Lagged values per input window (forecasting).
    public var window = 12
    /// Fraction of rows for validation and for test.
    public var validationFraction = 0.15
    /// Fraction of rows for the test split.
    public var testFraction = 0.15
    /// Where the trained weights go (safetensors); the preprocessing goes next to it as `<stem>.preprocessing.json`.
    public var output: URL
    /// Directory for full checkpoints (`last.safetensors` every epoch, `best.safetensors`), if any.
    public var checkpointDirectory: URL?
    /// Write `last.safetensors` every this many epochs (nil: `defaultCheckpointEvery`).
    public var checkpointEvery: Int?
    /// A checkpoint to resume from (written by an earlier run with the same options).
    public var resume: URL?
    /// Resume even when the checkpoint was written with other hyperparameters (the differences are logged).
    public var force = false
    /// Directory for `history.jsonl`, `history.csv`, TensorBoard event files and `loss.svg`/`metrics.svg`.
    public var logDirectory: URL?
    /// Draw the progress bar (per-epoch lines go to `log` either way).
    public var showProgress = false
    /// The precision of the products in training (bf16 autocast with `.bfloat16`, float16 with loss scaling with `.float16`).
    public var precision: ComputePrecision = .float32
    /// Use this split instead of the dataset's seeded one (experiments and tests; still leakage-checked).
    public var splitOverride: SplitIndices?

    /// Options for `benchmark` saving to `output`.
    public init(benchmark: TabularBenchmark, output: URL) {
        self.source = .benchmark(benchmark)
        self.output = output
    }

    /// Options for a user's CSV file saving to `output`.
    public init(csv: CSVTrainingSource, output: URL) {
        self.source = .csv(csv)
        self.output = output
    }

    /// The built-in dataset, or nil when training on a CSV file.
    public var benchmark: TabularBenchmark? {
        if case .benchmark(let b) = source { return b }
        return nil
    }

    /// The dataset's name (`breast-cancer`, or the CSV file's stem).
    public var datasetName: String {
        switch source {
        case .benchmark(let b): b.rawValue
        case .csv(let csv): csv.name
        }
    }

    /// Epochs of a CSV run when none are given (early stopping usually ends it sooner).
    public static let csvDefaultEpochs = 100

    /// The epochs actually trained.
    public var effectiveEpochs: Int { epochs ?? benchmark?.defaultEpochs ?? Self.csvDefaultEpochs }

    /// Every epoch for runs of up to 100 epochs, else every hundredth of the run: a checkpoint holds
    /// the whole history, so writing one costs more as the run goes on, and 3000 per-epoch
    /// checkpoints took three minutes of a run that trains in five seconds.
    public var defaultCheckpointEvery: Int { max(1, (effectiveEpochs + 99) / 100) }

    /// Whether a larger monitored value is better.
    public var monitorMode: MetricMode {
        let lowerIsBetter = ["loss", "mae", "mse", "rmse", "mape"].contains { monitor.hasSuffix($0) }
        return lowerIsBetter ? .min : .max
    }

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if effectiveEpochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(effectiveEpochs)") }
        if batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        if hiddenSizes.isEmpty || hiddenSizes.contains(where: { $0 <= 0 }) {
            throw .invalidOption(name: "hidden", reason: "needs one or more positive widths, got \(hiddenSizes)")
        }
        if patience < 0 { throw .invalidOption(name: "patience", reason: "must be 0 (off) or positive, got \(patience)") }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) { throw .invalidOption(name: "clip-norm", reason: "must be a positive number, got \(clipNorm)") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw .invalidOption(name: "checkpoint-every", reason: "must be positive, got \(checkpointEvery)")
        }
        if window < 1 { throw .invalidOption(name: "window", reason: "must be at least 1, got \(window)") }
        if monitor.isEmpty { throw .invalidOption(name: "monitor", reason: "must name an epoch log such as val_loss") }
    }

    /// The options that decide what a run learns, by flag name, as text: recorded in checkpoints
    /// so that `--resume` can say exactly what differs. Output paths, logging and threads are not
    /// among them (resuming into another directory is legitimate).
    public var hyperparameters: [String: String] {
        var h = ["dataset": datasetName, "model": "mlp", "epochs": String(effectiveEpochs), "batch-size": String(batchSize),
                 "lr": String(learningRate), "seed": String(seed), "hidden": hiddenSizes.map(String.init).joined(separator: ","),
                 "patience": String(patience), "monitor": monitor, "lr-schedule": schedule.rawValue,
                 "clip-norm": clipNorm.map { String($0) } ?? "none", "validation": String(validationFraction), "test": String(testFraction)]
        if benchmark?.task == .forecasting { h["window"] = String(window) }
        if case .csv(let csv) = source {
            h["label"] = csv.label
            h["task"] = csv.task?.rawValue ?? "detect"
            if !csv.categorical.isEmpty { h["categorical"] = csv.categorical.joined(separator: ",") }
            if !csv.numeric.isEmpty { h["numeric"] = csv.numeric.joined(separator: ",") }
        }
        if splitOverride != nil { h["split"] = "override" }
        return h
    }

    /// The shared training controls these options set (the job installs its callbacks from them).
    public var controls: TrainingControls {
        var c = TrainingControls()
        c.schedule = schedule
        c.clipNorm = clipNorm
        c.patience = patience
        c.monitor = monitor
        c.checkpointDirectory = checkpointDirectory
        c.checkpointEvery = checkpointEvery
        c.resume = resume
        c.force = force
        c.logDirectory = logDirectory
        c.showProgress = showProgress
        c.precision = precision
        return c
    }

    /// The preprocessing file saved next to `weights`: `<stem>.preprocessing.json`.
    public static func preprocessingURL(forWeights weights: URL) -> URL {
        let stem = weights.deletingPathExtension().lastPathComponent
        return weights.deletingLastPathComponent().appendingPathComponent(stem + ".preprocessing.json")
    }
}

import Foundation
import SynapseCore
import SynapseOptim
import SynapseTraining

/// The options every training job shares around its `Trainer`: schedule, clipping, early stopping,
/// checkpoints, resume and logs (`--lr-schedule`, `--clip-norm`, `--patience`, `--monitor`,
/// `--checkpoint-dir`, `--checkpoint-every`, `--resume`, `--force`, `--log-dir`, `--precision`). Defaults change
/// nothing about a run: no schedule, no clipping, no early stopping, no checkpoints, no logs.
public struct TrainingControls: Sendable {
    /// Learning-rate schedule.
    public var schedule: LearningRateScheduleChoice = .none
    /// Clip the gradient's global L2 norm to this before each step (nil: no clipping).
    public var clipNorm: Double?
    /// Early-stopping patience in epochs (0: off); the best epoch's weights are restored.
    public var patience = 0
    /// The epoch log that early stopping and `best.safetensors` watch.
    public var monitor = "val_loss"
    /// Directory for full checkpoints (`last.safetensors`, `best.safetensors`), if any.
    public var checkpointDirectory: URL?
    /// Write `last.safetensors` every this many epochs (nil: every epoch).
    public var checkpointEvery: Int?
    /// A checkpoint to resume from.
    public var resume: URL?
    /// Resume even when the checkpoint was written with other hyperparameters (the differences are logged).
    public var force = false
    /// Directory for `history.jsonl`, `history.csv`, TensorBoard event files and the SVG curves.
    public var logDirectory: URL?
    /// Draw the progress bar on standard error.
    public var showProgress = false
    /// The precision of the products in training and evaluation (`--precision`; bf16 or float16 autocast, the latter with loss scaling).
    public var precision: ComputePrecision = .float32

    /// Controls that change nothing.
    public init() {}

    /// Whether a larger monitored value is better (lower for `*loss`, `*mae`, `*mse`, `*rmse`, `*mape`).
    public var monitorMode: MetricMode {
        let lowerIsBetter = ["loss", "mae", "mse", "rmse", "mape"].contains { monitor.hasSuffix($0) }
        return lowerIsBetter ? .min : .max
    }

    /// Checks ranges and that `monitor` is one of `loggedNames`; throws naming the flag.
    public func validate(loggedNames: [String]) throws(PipelineError) {
        if patience < 0 { throw .invalidOption(name: "patience", reason: "must be 0 (off) or positive, got \(patience)") }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) { throw .invalidOption(name: "clip-norm", reason: "must be a positive number, got \(clipNorm)") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw .invalidOption(name: "checkpoint-every", reason: "must be positive, got \(checkpointEvery)")
        }
        do { try MonitorNames.validate(monitor, against: loggedNames) } catch {
            throw .invalidOption(name: "monitor", reason: "\"\(monitor)\" is not logged by this run; choose one of: \(error.valid.joined(separator: ", "))")
        }
        if force && resume == nil { throw .invalidOption(name: "force", reason: "only applies with --resume") }
    }

    /// The controls that change what a run learns, by flag name (for `RunSignature`).
    public var hyperparameters: [String: String] {
        ["patience": String(patience), "monitor": monitor, "lr-schedule": schedule.rawValue,
         "clip-norm": clipNorm.map { String($0) } ?? "none"]
    }
}

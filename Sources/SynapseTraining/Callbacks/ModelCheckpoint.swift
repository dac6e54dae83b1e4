import Foundation
import SynapseCore
import SynapseIO
import SynapseOptim

/// Saves full training checkpoints (see `Checkpoint`) into a directory: `last.safetensors` every
/// `every` epochs (and at the last epoch), `best.safetensors` whenever the monitored epoch log
/// improves, and optionally `epoch-<N>.safetensors` for every saved epoch. All writes are atomic,
/// so `last.safetensors` is always a complete checkpoint to resume from; weights holding NaN or ±inf
/// are never written (`CheckpointError.writeFailed`).
public final class ModelCheckpoint: CheckpointableCallback {
    /// Where checkpoints go.
    public let directory: URL
    /// Save `last.safetensors` every this many epochs.
    public let every: Int
    /// The epoch log deciding `best.safetensors` (nil: no best checkpoint).
    public let monitor: String?
    /// Whether lower or higher is better.
    public let mode: MetricMode
    /// Also keep `epoch-<N>.safetensors` for every saved epoch.
    public let keepAll: Bool
    /// Name of the state in checkpoints.
    public let checkpointKey: String
    /// Best monitored value so far.
    public private(set) var best: Double

    /// Creates the callback.
    public init(directory: URL, every: Int = 1, monitor: String? = "val_loss", mode: MetricMode = .min,
                keepAll: Bool = false, checkpointKey: String = "model_checkpoint") {
        require(every >= 1, "ModelCheckpoint: every must be at least 1, got \(every)")
        self.directory = directory
        self.every = every
        self.monitor = monitor
        self.mode = mode
        self.keepAll = keepAll
        self.checkpointKey = checkpointKey
        best = mode.worst
    }

    /// URL of the latest checkpoint.
    public var lastURL: URL { directory.appendingPathComponent("last.safetensors") }
    /// URL of the best checkpoint.
    public var bestURL: URL { directory.appendingPathComponent("best.safetensors") }

    /// Writes the checkpoints due after this epoch.
    public func epochCommitted(_ context: TrainingContext) throws {
        var improved = false
        if let monitor, let value = context.epochLogs[monitor], !value.isNaN, mode.improves(value, on: best) {
            best = value
            improved = true
        }
        let due = context.epoch % every == 0 || context.epoch == context.targetEpochs || context.stopTraining
        guard due || improved else { return }
        // A diverged model never replaces a good checkpoint (the trainer stops before this, but
        // callbacks and custom loops can change weights too).
        do { try context.model.checkWeightsFinite() } catch {
            throw CheckpointError.writeFailed(path: (due ? lastURL : bestURL).path, reason: error.description)
        }
        // Built after `best` is updated so the saved state includes this epoch's decision.
        let checkpoint = context.checkpoint()
        if due {
            try checkpoint.write(to: lastURL)
            if keepAll { try checkpoint.write(to: directory.appendingPathComponent("epoch-\(context.epoch).safetensors")) }
        }
        if improved { try checkpoint.write(to: bestURL) }
    }

    /// The best monitored value.
    public func checkpointState() -> CallbackState { CallbackState(values: ["best": best]) }

    /// Restores the best monitored value.
    public func restore(from state: CallbackState) throws(CheckpointError) {
        guard let best = state.values["best"], !best.isNaN else { throw .mismatch(path: "", reason: "model-checkpoint state lacks best or it is NaN") }
        self.best = best
    }
}

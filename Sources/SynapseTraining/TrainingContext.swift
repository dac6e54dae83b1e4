import SynapseCore
import SynapseNN
import SynapseOptim

/// What callbacks see of a running `Trainer`: the model, optimizer, progress counters and logs.
/// One instance lives as long as its trainer (and is restored with it from a checkpoint).
public final class TrainingContext {
    /// The model being trained.
    public let model: Module
    /// Its optimizer.
    public let optimizer: any Optimizer
    /// The current epoch (1-based) while training; after it, the last completed epoch (0 before any).
    public internal(set) var epoch = 0
    /// Optimizer steps taken since the start of training (across resumes).
    public internal(set) var globalStep = 0
    /// The epoch `fit` trains up to.
    public internal(set) var targetEpochs = 0
    /// The optimizer step `fit(steps:)` trains up to; nil in an epoch-based run.
    public internal(set) var targetSteps: Int?
    /// Batches per training epoch.
    public internal(set) var batchesPerEpoch = 0
    /// Index of the current batch within the epoch (0-based).
    public internal(set) var batchIndex = 0
    /// Examples seen so far in the current epoch.
    public internal(set) var samplesInEpoch = 0
    /// Logs of the current batch: `loss`, `lr`, and what `afterBackward` callbacks add (`grad_norm`).
    /// Filled only when the trainer has callbacks (nothing else reads them).
    public var batchLogs: [String: Double] = [:]
    /// Logs of the current epoch: `loss`, `val_loss`, metrics, `lr`, `epoch_seconds`; callbacks may add.
    public var epochLogs: [String: Double] = [:]
    /// Every completed epoch's logs.
    public internal(set) var history = TrainingHistory()
    /// Set by a callback to end training after the current batch (in `batchEnd`) or epoch.
    public var stopTraining = false
    /// Why training stopped, when a callback says.
    public var stopReason: String?
    /// Builds a checkpoint of the whole training state (set by the trainer).
    var makeCheckpoint: () -> Checkpoint = { Checkpoint() }

    init(model: Module, optimizer: any Optimizer) {
        self.model = model
        self.optimizer = optimizer
    }

    /// A checkpoint of the trainer's complete state now (what `ModelCheckpoint` writes).
    public func checkpoint() -> Checkpoint { makeCheckpoint() }
}

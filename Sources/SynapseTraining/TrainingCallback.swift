import SynapseCore
import SynapseIO

/// Hooks into `Trainer.fit`. Every method has an empty default, so a callback implements only
/// what it needs; all may throw (an I/O failure of a logger ends `fit` with that error).
///
/// Order within one epoch: `epochBegin`, then per batch `afterBackward` (gradients ready, before
/// the optimizer step: clipping, norm tracking) and `batchEnd` (after the step: per-batch
/// schedules, progress, per-step scalars from `context.batchLogs`); after validation `epochEnd`
/// (logs complete: epoch schedules, early stopping; may add logs or set `context.stopTraining`),
/// the epoch is appended to the history, then `epochCommitted` (loggers and checkpoints see the
/// final state of the epoch). Callbacks run in array order for each hook.
///
/// A scalar logger (e.g. TensorBoard) needs only `batchEnd` (`context.batchLogs` at
/// `context.globalStep`) and `epochCommitted` (`context.epochLogs` at `context.epoch`).
public protocol TrainingCallback: AnyObject {
    /// Before the first epoch of a `fit` call.
    func trainBegin(_ context: TrainingContext) throws
    /// At the start of each epoch (`context.epoch` is the new epoch).
    func epochBegin(_ context: TrainingContext) throws
    /// After `backward()` (and the weight penalty), before `optimizer.step()`.
    func afterBackward(_ context: TrainingContext) throws
    /// After each optimizer step; `context.batchLogs` holds the batch's `loss` and `lr`.
    func batchEnd(_ context: TrainingContext) throws
    /// After training and validation of an epoch; `context.epochLogs` holds its logs.
    func epochEnd(_ context: TrainingContext) throws
    /// After the epoch is recorded in `context.history`.
    func epochCommitted(_ context: TrainingContext) throws
    /// After the last epoch of a `fit` call (also when stopped early).
    func trainEnd(_ context: TrainingContext) throws
}

extension TrainingCallback {
    /// Does nothing.
    public func trainBegin(_ context: TrainingContext) throws {}
    /// Does nothing.
    public func epochBegin(_ context: TrainingContext) throws {}
    /// Does nothing.
    public func afterBackward(_ context: TrainingContext) throws {}
    /// Does nothing.
    public func batchEnd(_ context: TrainingContext) throws {}
    /// Does nothing.
    public func epochEnd(_ context: TrainingContext) throws {}
    /// Does nothing.
    public func epochCommitted(_ context: TrainingContext) throws {}
    /// Does nothing.
    public func trainEnd(_ context: TrainingContext) throws {}
}

/// A callback with state that must survive a checkpoint/resume cycle (schedulers, early stopping).
public protocol CheckpointableCallback: TrainingCallback {
    /// Unique name of this callback's state inside a checkpoint.
    var checkpointKey: String { get }
    /// The state to save.
    func checkpointState() -> CallbackState
    /// Restores state saved by `checkpointState()`.
    func restore(from state: CallbackState) throws(CheckpointError)
}

/// A callback's saved state: named numbers (stored in the checkpoint's JSON metadata) and named
/// tensors (stored as tensors, e.g. best weights).
public struct CallbackState: Sendable {
    /// Scalar state; non-finite values are allowed.
    public var values: [String: Double]
    /// Tensor state.
    public var tensors: [String: Tensor]

    /// Creates a state.
    public init(values: [String: Double] = [:], tensors: [String: Tensor] = [:]) {
        self.values = values
        self.tensors = tensors
    }
}

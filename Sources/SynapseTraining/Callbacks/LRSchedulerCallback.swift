import SynapseCore
import SynapseIO
import SynapseOptim

/// Steps an `LRScheduler` (a `ScheduledLR` or a `ReduceLROnPlateau`) from the training loop: after
/// every batch, or after every epoch; plateau schedulers step at epoch end with the monitored log
/// value (default `val_loss`).
/// Its scheduler state is saved in checkpoints under `checkpointKey`.
public final class LRSchedulerCallback: CheckpointableCallback {
    /// When the scheduler steps.
    public enum Interval: String, Sendable {
        /// After every optimizer step.
        case batch
        /// After every epoch (after validation).
        case epoch
    }

    /// The scheduler stepped.
    public let scheduler: any LRScheduler
    /// When it steps.
    public let interval: Interval
    /// The epoch log value handed to schedulers that need a metric.
    public let monitor: String
    /// Name of the scheduler state in checkpoints.
    public let checkpointKey: String

    /// Creates the callback. Plateau schedulers always step per epoch.
    public init(_ scheduler: any LRScheduler, interval: Interval = .epoch, monitor: String = "val_loss",
                checkpointKey: String = "lr_scheduler") {
        self.scheduler = scheduler
        self.interval = scheduler.needsMetric ? .epoch : interval
        self.monitor = monitor
        self.checkpointKey = checkpointKey
    }

    /// Steps per-batch schedulers.
    public func batchEnd(_ context: TrainingContext) throws {
        if interval == .batch { scheduler.step(metric: nil) }
    }

    /// Steps per-epoch schedulers (plateau ones with the monitored value; missing counts as no improvement).
    public func epochEnd(_ context: TrainingContext) throws {
        if interval == .epoch { scheduler.step(metric: scheduler.needsMetric ? context.epochLogs[monitor] : nil) }
    }

    /// The scheduler's state.
    public func checkpointState() -> CallbackState { CallbackState(values: scheduler.stateDict()) }

    /// Restores the scheduler's state.
    public func restore(from state: CallbackState) throws(CheckpointError) {
        do { try scheduler.loadStateDict(state.values) } catch {
            throw .mismatch(path: "", reason: error.description)
        }
    }
}

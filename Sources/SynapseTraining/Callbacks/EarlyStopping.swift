import SynapseCore
import SynapseIO
import SynapseOptim

/// Stops training when a monitored epoch log stops improving, and optionally puts back the
/// weights of the best epoch when training ends (Keras `EarlyStopping`).
///
/// An epoch improves when its value beats the best by more than `minDelta` in the direction of
/// `mode`; after `patience` epochs in a row without improvement training stops. Best value, counter
/// and best weights are saved in checkpoints.
public final class EarlyStopping: CheckpointableCallback {
    /// The epoch log watched (e.g. `val_loss`, `val_accuracy`).
    public let monitor: String
    /// Whether lower or higher is better.
    public let mode: MetricMode
    /// Epochs without improvement tolerated.
    public let patience: Int
    /// Smallest change that counts as an improvement.
    public let minDelta: Double
    /// Load the best epoch's weights into the model when training ends.
    public let restoreBestWeights: Bool
    /// Name of the state in checkpoints.
    public let checkpointKey: String

    /// Best value so far.
    public private(set) var best: Double
    /// Epoch of the best value (0 before any).
    public private(set) var bestEpoch = 0
    /// Epochs since the last improvement.
    public private(set) var wait = 0
    /// The epoch at which this callback stopped training (0 if it has not).
    public private(set) var stoppedEpoch = 0
    private var bestWeights: [String: Tensor] = [:]

    /// Creates the callback.
    public init(monitor: String = "val_loss", mode: MetricMode = .min, patience: Int = 5, minDelta: Double = 0,
                restoreBestWeights: Bool = true, checkpointKey: String = "early_stopping") {
        require(patience >= 0, "EarlyStopping: patience must be non-negative, got \(patience)")
        require(minDelta >= 0, "EarlyStopping: minDelta must be non-negative, got \(minDelta)")
        self.monitor = monitor
        self.mode = mode
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
        self.checkpointKey = checkpointKey
        best = mode.worst
    }

    /// Compares the epoch's value with the best; requests a stop after `patience` bad epochs.
    /// An epoch without the monitored value (or NaN) counts as not improving.
    public func epochEnd(_ context: TrainingContext) throws {
        if let value = context.epochLogs[monitor], !value.isNaN, mode.improves(value, on: best, minDelta: minDelta) {
            best = value
            bestEpoch = context.epoch
            wait = 0
            if restoreBestWeights { bestWeights = context.model.stateDict() }
            return
        }
        wait += 1
        if wait >= patience {
            stoppedEpoch = context.epoch
            context.stopTraining = true
            context.stopReason = "early stopping: \(monitor) did not improve for \(wait) epochs (best \(best) at epoch \(bestEpoch))"
        }
    }

    /// Puts back the best weights.
    public func trainEnd(_ context: TrainingContext) throws {
        if restoreBestWeights, !bestWeights.isEmpty, bestEpoch != context.epoch {
            try context.model.loadStateDict(bestWeights)
        }
    }

    /// Best value, counters and best weights.
    public func checkpointState() -> CallbackState {
        CallbackState(values: ["best": best, "best_epoch": Double(bestEpoch), "wait": Double(wait),
                               "stopped_epoch": Double(stoppedEpoch)], tensors: bestWeights)
    }

    /// Restores the state.
    public func restore(from state: CallbackState) throws(CheckpointError) {
        guard let best = state.values["best"], let be = state.values["best_epoch"], let wait = state.values["wait"] else {
            throw .mismatch(path: "", reason: "early-stopping state lacks best, best_epoch or wait")
        }
        // Counts come from a file: convert without trapping, and refuse what no run could produce.
        guard !best.isNaN else { throw .mismatch(path: "", reason: "early-stopping best value is NaN") }
        guard let bestEpoch = be.exactCount, let waitCount = wait.exactCount,
              let stopped = (state.values["stopped_epoch"] ?? 0).exactCount else {
            throw .mismatch(path: "", reason: "early-stopping best_epoch, wait and stopped_epoch must be integers in 0...2^40 "
                + "(got \(be), \(wait), \(state.values["stopped_epoch"] ?? 0))")
        }
        self.best = best
        self.bestEpoch = bestEpoch
        self.wait = waitCount
        stoppedEpoch = stopped
        bestWeights = state.tensors
    }
}

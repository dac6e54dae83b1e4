import Foundation
import SynapseCore
import SynapseIO
import SynapseOptim
import SynapseTraining

/// The callbacks the training jobs install from their `TrainingControls`, in one place so that
/// image, language-model and tabular runs get the same schedule, clipping, early-stopping,
/// logging and checkpoint behaviour.
enum LoopCallbacks {
    /// Clipping, the learning-rate schedule and early stopping (in that order: clipping acts in
    /// `afterBackward`, schedules and early stopping at batch and epoch ends).
    /// - Parameters:
    ///   - epochs: the run's length in epochs (the step schedule's thirds).
    ///   - totalSteps: the run's optimizer steps (the cosine schedule's length).
    static func training(_ controls: TrainingControls, optimizer: any Optimizer, learningRate: Double, epochs: Int,
                         totalSteps: Int) -> (callbacks: [any TrainingCallback], earlyStopping: EarlyStopping?) {
        var callbacks: [any TrainingCallback] = []
        if let clipNorm = controls.clipNorm { callbacks.append(GradientClippingCallback(maxNorm: clipNorm)) }
        switch controls.schedule {
        case .none: break
        case .cosine:
            let schedule = CosineAnnealingLR(tMax: max(totalSteps, 1), etaMin: learningRate * 0.01)
            callbacks.append(LRSchedulerCallback(ScheduledLR(optimizer, schedule: schedule), interval: .batch))
        case .step:
            callbacks.append(LRSchedulerCallback(ScheduledLR(optimizer, schedule: StepLR(stepSize: max(epochs / 3, 1), gamma: 0.1)),
                                                 interval: .epoch))
        case .plateau:
            callbacks.append(LRSchedulerCallback(ReduceLROnPlateau(optimizer, mode: .min, factor: 0.5, patience: 5), monitor: "val_loss"))
        case .warmupLinear:
            let schedule = LinearWarmupDecay(warmupFraction: 0.1, totalSteps: max(totalSteps, 1))
            callbacks.append(LRSchedulerCallback(ScheduledLR(optimizer, schedule: schedule), interval: .batch))
        }
        let early = controls.patience > 0
            ? EarlyStopping(monitor: controls.monitor, mode: controls.monitorMode, patience: controls.patience, restoreBestWeights: true)
            : nil
        if let early { callbacks.append(early) }
        return (callbacks, early)
    }

    /// The history files and TensorBoard events in `controls.logDirectory` (none without one).
    /// `batchScalars`: also write each step's loss to TensorBoard (one event per step).
    /// What a run reports and writes after its training callbacks, in order: the progress bar (when
    /// shown), the run's line per epoch, the history and TensorBoard logs, then the run signature and
    /// checkpoints (last, so checkpoints see what every other callback decided).
    static func reporting(_ controls: TrainingControls, line: any TrainingCallback, hyperparameters: [String: String],
                          batchScalars: Bool = false, checkpointEvery: Int = 1) throws -> [any TrainingCallback] {
        var callbacks: [any TrainingCallback] = controls.showProgress ? [ProgressBarCallback()] : []
        callbacks.append(line)
        callbacks += try logging(controls, batchScalars: batchScalars)
        return callbacks + checkpoints(controls, hyperparameters: hyperparameters, every: checkpointEvery)
    }

    static func logging(_ controls: TrainingControls, batchScalars: Bool) throws -> [any TrainingCallback] {
        guard let dir = controls.logDirectory else { return [] }
        return [HistoryLogger(jsonLines: dir.appendingPathComponent("history.jsonl"), csv: dir.appendingPathComponent("history.csv")),
                TensorBoardCallback(writer: try TensorBoardWriter(logDirectory: dir), logBatches: batchScalars)]
    }

    /// The run's signature (hyperparameters in every checkpoint) and, with a checkpoint directory,
    /// the checkpoint writer; last, so checkpoints see what every other callback decided.
    static func checkpoints(_ controls: TrainingControls, hyperparameters: [String: String], every: Int) -> [any TrainingCallback] {
        var callbacks: [any TrainingCallback] = [RunSignature(options: hyperparameters)]
        if let dir = controls.checkpointDirectory {
            callbacks.append(ModelCheckpoint(directory: dir, every: controls.checkpointEvery ?? every, monitor: controls.monitor,
                                             mode: controls.monitorMode))
        }
        return callbacks
    }
}

import SynapseCore
import SynapseIO

/// Logs the trainer's scalars to TensorBoard event files: every batch's logs (`loss`, `lr`,
/// `grad_norm`, ...) as `batch/<name>` at the global step, and every epoch's logs (`loss`,
/// `val_loss`, `val_<metric>`, `lr`, ...) as `epoch/<name>` at the epoch number.
///
/// Resuming from a checkpoint with a new callback (and writer) on the same directory adds a new
/// event file; TensorBoard merges the files of one directory, and the steps continue where the
/// checkpoint left off, so the curves join up.
public final class TensorBoardCallback: TrainingCallback {
    /// The writer the scalars go to.
    public let writer: TensorBoardWriter
    /// Log per-batch scalars (one event per step; turn off for very long runs to keep files small).
    public let logBatches: Bool
    /// Close the writer when training ends (flushing and fsyncing the file).
    public let closeAtEnd: Bool

    /// Logs to `writer`: pass `TensorBoardCallback(writer: try TensorBoardWriter(logDirectory: dir))`
    /// in a `Trainer`'s callbacks, then run `tensorboard --logdir dir`.
    /// - Parameters:
    ///   - writer: the event file the scalars go to.
    ///   - logBatches: also log every batch (`batch/<name>` at the global step).
    ///   - closeAtEnd: close the writer when training ends; otherwise only flush it.
    public init(writer: TensorBoardWriter, logBatches: Bool = true, closeAtEnd: Bool = true) {
        self.writer = writer
        self.logBatches = logBatches
        self.closeAtEnd = closeAtEnd
    }

    /// Writes the batch's logs at `context.globalStep`.
    public func batchEnd(_ context: TrainingContext) throws {
        guard logBatches else { return }
        try writer.addScalars(Self.scalars(context.batchLogs, prefix: "batch/"), step: context.globalStep)
    }

    /// Writes the committed epoch's logs at `context.epoch` and flushes, so a live TensorBoard
    /// shows every finished epoch.
    public func epochCommitted(_ context: TrainingContext) throws {
        try writer.addScalars(Self.scalars(context.epochLogs, prefix: "epoch/"), step: context.epoch)
        try writer.flush()
    }

    /// Closes (or flushes) the writer.
    public func trainEnd(_ context: TrainingContext) throws {
        if closeAtEnd { try writer.close() } else { try writer.flush() }
    }

    /// Finite values in name order (TensorBoard cannot plot NaN; a missing point says more).
    static func scalars(_ logs: [String: Double], prefix: String) -> [(tag: String, value: Float)] {
        logs.keys.sorted().compactMap { name in
            let v = logs[name]!
            return v.isFinite ? (tag: prefix + name, value: Float(v)) : nil
        }
    }
}

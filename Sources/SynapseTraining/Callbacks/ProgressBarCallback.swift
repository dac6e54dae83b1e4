import Foundation
import SynapseCore

/// Shows a `ProgressBar` per epoch (redrawn in place on a terminal, plain lines otherwise) with
/// the running training loss, and prints one summary line of the epoch logs after each epoch.
public final class ProgressBarCallback: TrainingCallback {
    private let output: FileHandle
    private let interactive: Bool?
    private var bar: ProgressBar?
    private var lossSum = 0.0
    private var optimizerSteps = 0

    /// Writes to `output` (standard error by default); `interactive` overrides TTY detection.
    public init(output: FileHandle = .standardError, interactive: Bool? = nil) {
        self.output = output
        self.interactive = interactive
    }

    /// Starts the epoch's bar.
    public func epochBegin(_ context: TrainingContext) throws {
        bar = ProgressBar(total: context.batchesPerEpoch, label: "epoch \(context.epoch)/\(context.targetEpochs)",
                          output: output, interactive: interactive)
        lossSum = 0
        optimizerSteps = 0
    }

    /// Advances the bar (to the batches read) with the running mean loss of the optimizer steps
    /// taken (one per batch, or per group of batches under gradient accumulation).
    public func batchEnd(_ context: TrainingContext) throws {
        lossSum += context.batchLogs["loss"] ?? 0
        optimizerSteps += 1
        bar?.update(step: context.batchIndex + 1, samples: context.samplesInEpoch,
                    metrics: [("loss", lossSum / Double(optimizerSteps))])
    }

    /// Prints `epoch N/M  loss …  val_loss …  …`.
    public func epochCommitted(_ context: TrainingContext) throws {
        output.write(Data((Self.summary(epoch: context.epoch, of: context.targetEpochs, logs: context.epochLogs) + "\n").utf8))
    }

    /// One line with the epoch's logs, losses first.
    static func summary(epoch: Int, of total: Int, logs: [String: Double]) -> String {
        var h = TrainingHistory()
        h.append(epoch: epoch, values: logs)
        var s = "epoch \(epoch)/\(total)"
        for name in h.names { s += String(format: "  %@ %.4g", name, logs[name]!) }
        return s
    }
}

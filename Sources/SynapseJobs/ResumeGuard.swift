import Foundation
import SynapseCore
import SynapseData
import SynapseTraining

/// Reads the checkpoint a run resumes from and compares the hyperparameters it recorded
/// (`RunSignature`) with the resuming run's: any difference (epochs or steps, learning rate,
/// batch size, model, seed, schedule, ...) is refused, listing each one, unless `force` is set.
/// Every training job resumes through it, so `--resume` behaves the same for every dataset.
struct ResumeGuard {
    /// The resuming run's hyperparameters.
    let hyperparameters: [String: String]
    /// Resume despite differences (they are logged as a warning).
    let force: Bool
    /// Where warnings go.
    let log: (String) -> Void

    /// The checkpoint at `url`, ready for `Trainer.restore`, and the names of the hyperparameters
    /// that differ (non-empty only when forced).
    /// - Throws: `CheckpointError` (unreadable file), `PipelineError.invalidOption` naming `resume`
    ///   and listing the differences.
    func checkpoint(_ url: URL) throws -> (checkpoint: Checkpoint, changed: Set<String>) {
        var checkpoint = try Checkpoint.read(from: url)
        var changed = Set<String>()
        if let state = checkpoint.callbacks[RunSignature.key] {
            let recorded = RunSignature.options(in: state)
            let differences = RunSignature.differences(recorded: recorded, current: hyperparameters)
            changed = Set(Set(recorded.keys).union(hyperparameters.keys).filter { recorded[$0] != hyperparameters[$0] })
            if !differences.isEmpty {
                guard force else {
                    throw PipelineError.invalidOption(name: "resume", reason: "\(url.path) was written with other hyperparameters:\n  "
                        + differences.joined(separator: "\n  ") + "\nuse the checkpoint's values, or pass --force to resume anyway")
                }
                log("warning: resuming with other hyperparameters than the checkpoint (--force): " + differences.joined(separator: "; "))
            }
        } else {
            log("warning: \(url.path) records no hyperparameters (written by an older version); they cannot be compared")
        }
        // The trainer expects state for every checkpointable callback, this one included.
        checkpoint.callbacks[RunSignature.key] = RunSignature.state(hyperparameters)
        return (checkpoint, changed)
    }

    /// Restores `url` into `trainer` (refusing changed hyperparameters unless forced); a forced new
    /// learning rate takes over from the checkpoint's. Returns the epoch resumed after.
    @discardableResult
    func restore<T: BatchedDataset, V: BatchedDataset>(_ url: URL, into trainer: Trainer<T, V>, learningRate: Double) throws -> Int where V.Batch == T.Batch {
        let (checkpoint, changed) = try self.checkpoint(url)
        try trainer.restore(checkpoint, path: url.path)
        // The restore brings back the checkpoint's learning rate; a forced new --lr takes over from here.
        if changed.contains("lr") { trainer.optimizer.learningRate = learningRate }
        log("resumed from \(url.path) after epoch \(trainer.context.epoch) (step \(trainer.context.globalStep))")
        return trainer.context.epoch
    }
}

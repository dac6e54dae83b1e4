import Foundation
import Synapse

/// Mutants of training checkpoints, read as `--resume` reads them.
///
/// A checkpoint is checksummed as a whole (header JSON and tensors), so an accepted mutant must
/// decode to exactly the original content; anything else is a silently accepted corruption.
struct CheckpointTarget: FuzzTarget {
    let name = "checkpoint"

    func seeds() throws -> [[UInt8]] {
        let (model, optimizer) = FuzzSeedModels.trainedClassifier()
        var c = Checkpoint()
        c.epoch = 2
        c.globalStep = 2
        c.model = model.stateDict()
        c.optimizer = optimizer.stateDict()
        c.learningRate = optimizer.learningRate
        c.optimizerType = String(describing: type(of: optimizer))
        c.generators = ["global": [0x1234_5678_9abc_def0, 1, 0xffff_ffff_ffff_ffff, 42], "loader.train": [5, 6, 7, 8]]
        c.history.append(epoch: 1, values: ["loss": 1.0986, "val_loss": 1.05, "lr": 0.001])
        c.history.append(epoch: 2, values: ["loss": 0.9312, "val_loss": 0.98, "lr": 0.001])
        // Early stopping with best weights (callback tensors) and a plateau scheduler whose best is still +inf.
        c.callbacks["early_stopping"] = CallbackState(values: ["best": 0.98, "best_epoch": 2, "wait": 0, "stopped_epoch": 0],
                                                      tensors: model.stateDict())
        c.callbacks["lr_scheduler"] = CallbackState(values: ["lr": 0.001, "best": .infinity, "bad_steps": 1,
                                                             "cooldown_counter": 0, "step": 2])
        var bare = Checkpoint()
        bare.epoch = 0
        bare.learningRate = 0.1
        bare.optimizerType = "SGD"
        bare.model = ["w": Tensor([1, -2, 3.5])]
        bare.generators = ["loader.train": [1, 2, 3, 4]]
        return [[UInt8](try c.encoded()), [UInt8](try bare.encoded())]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let read: Checkpoint
        do { read = try Checkpoint.decode(Data(mutant)) } catch { return .rejected }
        guard let expected = try? Checkpoint.decode(Data(original)) else { return .corruptionAccepted("the seed itself does not decode") }
        if let difference = Self.difference(read, expected) { return .corruptionAccepted(difference) }
        return .accepted
    }

    /// The first field in which `a` and `b` differ (bit-for-bit for numbers), or nil.
    static func difference(_ a: Checkpoint, _ b: Checkpoint) -> String? {
        if a.epoch != b.epoch { return "epoch \(a.epoch) instead of \(b.epoch)" }
        if a.globalStep != b.globalStep { return "global step \(a.globalStep) instead of \(b.globalStep)" }
        if a.learningRate.bitPattern != b.learningRate.bitPattern { return "learning rate \(a.learningRate) instead of \(b.learningRate)" }
        if a.optimizerType != b.optimizerType { return "optimizer type \(a.optimizerType)" }
        if a.generators != b.generators { return "generator states differ" }
        if a.history != b.history { return "history differs" }
        if let d = tensorDifference(a.model, b.model, "model") { return d }
        if let d = tensorDifference(a.optimizer, b.optimizer, "optimizer") { return d }
        guard a.callbacks.keys.sorted() == b.callbacks.keys.sorted() else { return "callback keys differ" }
        for (key, s) in a.callbacks {
            let t = b.callbacks[key]!
            guard s.values.mapValues(\.bitPattern) == t.values.mapValues(\.bitPattern) else { return "callback '\(key)' values differ" }
            if let d = tensorDifference(s.tensors, t.tensors, "callback '\(key)'") { return d }
        }
        return nil
    }

    private static func tensorDifference(_ a: [String: Tensor], _ b: [String: Tensor], _ part: String) -> String? {
        guard a.keys.sorted() == b.keys.sorted() else { return "\(part) tensor names differ" }
        for (name, t) in a {
            let u = b[name]!
            guard t.shape == u.shape, t.scalars.map(\.bitPattern) == u.scalars.map(\.bitPattern) else { return "\(part) tensor '\(name)' differs" }
        }
        return nil
    }
}

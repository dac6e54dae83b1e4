import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseTraining

/// A small classifier with dropout drawing from its own generator (so the test never touches the
/// global generator that concurrently running tests use).
final class TinyNet: Module, Layer {
    let fc1: Linear
    let drop: Dropout
    let fc2: Linear

    init(seed: UInt64, dropout: RandomGenerator) {
        let g = RandomGenerator(seed: seed)
        fc1 = Linear(6, 16, generator: g)
        drop = Dropout(p: 0.2, generator: dropout)
        fc2 = Linear(16, 3, generator: g)
        super.init()
    }

    func callAsFunction(_ x: Tensor) -> Tensor { fc2(drop(relu(fc1(x)))) }
}

/// Synthetic 3-class data: the label is the arg-max of a fixed linear map of Gaussian features.
enum TrainerFixtures {
    static func dataset(count: Int, seed: UInt64) -> TensorDataset {
        let g = RandomGenerator(seed: seed)
        var xs: [Float] = [], ys: [Int] = []
        for _ in 0..<count {
            let x = (0..<6).map { _ in g.nextNormal() }
            let scores = [x[0] + x[1] - x[2], x[2] + x[3] - x[4], x[4] + x[5] - x[0]]
            xs += x
            ys.append(scores.indices.max { scores[$0] < scores[$1] }!)
        }
        return TensorDataset(features: Tensor(shape: [count, 6], scalars: xs), labels: IntTensor(ys))
    }

    static let train = dataset(count: 192, seed: 11)
    static let validation = dataset(count: 64, seed: 12)

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Stops training after a given epoch: stands in for a killed process.
final class StopAfter: TrainingCallback {
    let epoch: Int
    init(epoch: Int) { self.epoch = epoch }
    func epochEnd(_ context: TrainingContext) throws {
        if context.epoch == epoch { context.stopTraining = true }
    }
}

/// Records the order of hook calls.
final class HookRecorder: TrainingCallback {
    var events: [String] = []
    func trainBegin(_ context: TrainingContext) throws { events.append("trainBegin") }
    func epochBegin(_ context: TrainingContext) throws { events.append("epochBegin\(context.epoch)") }
    func afterBackward(_ context: TrainingContext) throws { if context.batchIndex == 0 { events.append("afterBackward") } }
    func batchEnd(_ context: TrainingContext) throws { if context.batchIndex == 0 { events.append("batchEnd") } }
    func epochEnd(_ context: TrainingContext) throws { events.append("epochEnd\(context.history.records.count)") }
    func epochCommitted(_ context: TrainingContext) throws { events.append("committed\(context.history.records.count)") }
    func trainEnd(_ context: TrainingContext) throws { events.append("trainEnd") }
}

/// Every object of one training run, built from scratch.
struct TrainingRun {
    let model: TinyNet
    let optimizer: Adam
    let scheduler: ScheduledLR
    let earlyStopping: EarlyStopping
    let checkpoints: ModelCheckpoint
    let trainer: Trainer<TensorDataset, TensorDataset>

    init(directory: URL, modelSeed: UInt64 = 1, extra: [any TrainingCallback] = []) {
        let dropout = RandomGenerator(seed: 5, stream: .sampling)
        model = TinyNet(seed: modelSeed, dropout: dropout)
        optimizer = Adam(model.parameters(), learningRate: 0.02)
        scheduler = ScheduledLR(optimizer, schedule: SequentialLR([LinearLR.warmUp(steps: 6), CosineAnnealingLR(tMax: 60, etaMin: 1e-4)],
                                                                  milestones: [6]))
        earlyStopping = EarlyStopping(monitor: "val_loss", patience: 50, minDelta: 0)
        checkpoints = ModelCheckpoint(directory: directory, every: 1, monitor: "val_accuracy", mode: .max, keepAll: true)
        let callbacks: [any TrainingCallback] = [
            GradientNormTracker(), GradientClippingCallback(maxNorm: 0.5), LRSchedulerCallback(scheduler, interval: .batch),
            earlyStopping, HistoryLogger(jsonLines: directory.appendingPathComponent("history.jsonl"),
                                         csv: directory.appendingPathComponent("history.csv")),
        ] + extra + [checkpoints]
        trainer = Trainer(model: model, optimizer: optimizer, objective: .classification(model),
                          train: DataLoader(TrainerFixtures.train, batchSize: 16, shuffle: true, seed: 3),
                          validation: DataLoader(TrainerFixtures.validation, batchSize: 32),
                          metrics: TrainingMetrics.accuracy, penalty: WeightPenalty(l2: 1e-3), callbacks: callbacks,
                          generators: ["dropout": dropout])
    }
}

@Suite("Training: Trainer, callbacks, checkpoints")
struct TrainerTests {
    static func bits(_ state: [String: Tensor]) -> [String: [UInt32]] { state.mapValues { $0.scalars.map(\.bitPattern) } }

    static func withoutTimings(_ h: TrainingHistory) -> [[String: Double]] {
        h.records.map { $0.values.filter { $0.key != "epoch_seconds" } }
    }

    @Test("a run stopped after epoch 3 and resumed from its checkpoint by fresh objects reaches bit-identical weights")
    func resumeEquivalence() throws {
        let dirA = try TrainerFixtures.temporaryDirectory(), dirB = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dirA); try? FileManager.default.removeItem(at: dirB) }

        let uninterrupted = TrainingRun(directory: dirA)
        let full = try uninterrupted.trainer.fit(epochs: 6)
        #expect(full.records.count == 6)

        do {
            let first = TrainingRun(directory: dirB, extra: [StopAfter(epoch: 3)])
            let partial = try first.trainer.fit(epochs: 6)
            #expect(partial.records.count == 3)
        }  // every object of the interrupted run is gone
        let resumed = TrainingRun(directory: dirB, modelSeed: 99)  // different initial weights: all must come from the file
        try resumed.trainer.resume(from: resumed.checkpoints.lastURL)
        #expect(resumed.trainer.context.epoch == 3)
        let history = try resumed.trainer.fit(epochs: 6)

        #expect(Self.bits(resumed.model.stateDict()) == Self.bits(uninterrupted.model.stateDict()))
        #expect(Self.bits(resumed.optimizer.stateDict()) == Self.bits(uninterrupted.optimizer.stateDict()))
        #expect(resumed.scheduler.stepCount == uninterrupted.scheduler.stepCount)
        #expect(resumed.trainer.context.globalStep == 6 * 12)
        #expect(Self.withoutTimings(history) == Self.withoutTimings(full))
        #expect(resumed.earlyStopping.best == uninterrupted.earlyStopping.best)

        // The logs written by the resumed run cover all six epochs.
        let jsonl = try String(contentsOf: dirB.appendingPathComponent("history.jsonl"), encoding: .utf8)
        #expect(jsonl.split(separator: "\n").count == 6)
        let csv = try String(contentsOf: dirB.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 7 && csv[0].hasPrefix("epoch,loss,val_loss,"))
        #expect(FileManager.default.fileExists(atPath: resumed.checkpoints.bestURL.path))
        for line in jsonl.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["epoch"] != nil && object?["val_accuracy"] != nil && object?["grad_norm_mean"] != nil)
        }
        // Training learned something.
        #expect((full.records.last?.values["val_accuracy"] ?? 0) > 0.6)

        // Control: the dropout generator's state matters, so restoring it is what made the runs agree.
        let perturbed = TrainingRun(directory: dirB)
        try perturbed.trainer.resume(from: dirB.appendingPathComponent("epoch-3.safetensors"))
        _ = perturbed.trainer.generators["dropout"]?.next()
        try perturbed.trainer.fit(epochs: 6)
        #expect(Self.bits(perturbed.model.stateDict()) != Self.bits(uninterrupted.model.stateDict()))
    }

    @Test("missing, corrupt and mismatched checkpoints are typed errors")
    func badCheckpoints() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = TrainingRun(directory: dir)
        try run.trainer.fit(epochs: 1)
        let url = run.checkpoints.lastURL

        #expect(throws: CheckpointError.missing(path: dir.appendingPathComponent("nope.safetensors").path)) {
            try run.trainer.resume(from: dir.appendingPathComponent("nope.safetensors"))
        }

        let original = try Data(contentsOf: url)
        let flipped = dir.appendingPathComponent("flipped.safetensors")
        var damaged = original
        damaged[damaged.count - 5] ^= 0x40  // one bit of tensor data
        try damaged.write(to: flipped)
        let truncated = dir.appendingPathComponent("truncated.safetensors")
        try original.prefix(original.count / 2).write(to: truncated)
        let garbage = dir.appendingPathComponent("garbage.safetensors")
        try Data("not a checkpoint".utf8).write(to: garbage)
        let plainWeights = dir.appendingPathComponent("weights.safetensors")
        try run.model.save(to: plainWeights)
        for bad in [flipped, truncated, garbage, plainWeights] {
            do {
                try TrainingRun(directory: dir).trainer.resume(from: bad)
                Issue.record("\(bad.lastPathComponent) was accepted")
            } catch {
                guard case .corrupt(let path, _) = error else { Issue.record("\(bad.lastPathComponent): \(error)"); continue }
                #expect(path == bad.path)
            }
        }

        // A checkpoint of another model shape is a mismatch, and the message names the tensor.
        var other = try Checkpoint.read(from: url)
        other.model["fc1.weight"] = Tensor.zeros([2, 2])
        let otherURL = dir.appendingPathComponent("other.safetensors")
        try other.write(to: otherURL)
        do {
            try TrainingRun(directory: dir).trainer.resume(from: otherURL)
            Issue.record("a mismatched checkpoint was accepted")
        } catch {
            guard case .mismatch(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("fc1.weight"))
        }

        // State of another optimizer type, or without a callback's state, is a mismatch too.
        var sgdState = try Checkpoint.read(from: url)
        sgdState.optimizerType = "SGD"
        #expect(throws: CheckpointError.mismatch(path: "<memory>", reason: "it holds SGD state but the optimizer is Adam")) {
            try TrainingRun(directory: dir).trainer.restore(sgdState)
        }
        var noScheduler = try Checkpoint.read(from: url)
        noScheduler.callbacks["lr_scheduler"] = nil
        #expect(throws: CheckpointError.mismatch(path: "<memory>", reason: "no state for callback 'lr_scheduler'")) {
            try TrainingRun(directory: dir).trainer.restore(noScheduler)
        }
    }

    @Test("hooks run in order; early stopping stops and restores the best weights")
    func hooksAndEarlyStopping() throws {
        let recorder = HookRecorder()
        let model = TinyNet(seed: 2, dropout: RandomGenerator(seed: 1))
        let optimizer = SGD(model.parameters(), learningRate: 0.05)
        // Monitoring the (rising) negative epoch index: never improves after epoch 1.
        final class Countdown: TrainingCallback {
            func epochEnd(_ context: TrainingContext) throws { context.epochLogs["score"] = Double(context.epoch) }
        }
        let stopper = EarlyStopping(monitor: "score", mode: .min, patience: 2)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: .classification(model),
                              train: DataLoader(TrainerFixtures.train, batchSize: 64),
                              callbacks: [recorder, Countdown(), stopper], generators: [:])
        var bestWeights: [String: Tensor] = [:]
        final class Snapshot: TrainingCallback {
            var weights: [String: Tensor] = [:]
            func epochCommitted(_ context: TrainingContext) throws { if context.epoch == 1 { weights = context.model.stateDict() } }
        }
        let snapshot = Snapshot()
        trainer.callbacks.append(snapshot)
        let history = try trainer.fit(epochs: 10)
        bestWeights = snapshot.weights
        #expect(history.records.count == 3 && stopper.stoppedEpoch == 3 && stopper.bestEpoch == 1)
        #expect(Self.bits(model.stateDict()) == Self.bits(bestWeights))
        #expect(recorder.events.prefix(7) == ["trainBegin", "epochBegin1", "afterBackward", "batchEnd", "epochEnd0", "committed1", "epochBegin2"])
        #expect(recorder.events.last == "trainEnd")
        #expect(history.records[0].values["val_loss"] == nil && history.records[0].values["loss"] != nil)
    }

    @Test("plateau scheduling per epoch on a validation metric, progress output, value clipping")
    func plateauAndProgress() throws {
        let model = TinyNet(seed: 3, dropout: RandomGenerator(seed: 1))
        let optimizer = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
        let plateau = ReduceLROnPlateau(optimizer, mode: .max, factor: 0.5, patience: 0, threshold: 10)  // never "improves"
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logURL = dir.appendingPathComponent("progress.txt")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: .classification(model),
                              train: DataLoader(TrainerFixtures.train, batchSize: 32),
                              validation: DataLoader(TrainerFixtures.validation, batchSize: 64), metrics: TrainingMetrics.accuracy,
                              callbacks: [GradientClippingCallback(maxValue: 0.1), LRSchedulerCallback(plateau, monitor: "val_accuracy"),
                                          ProgressBarCallback(output: handle, interactive: false)],
                              generators: [:])
        trainer.trainMetrics = true
        let history = try trainer.fit(epochs: 3)
        try handle.close()
        #expect(history.records.allSatisfy { $0.values["accuracy"] != nil && $0.values["val_accuracy"] != nil })
        #expect(history.series("lr").compactMap { $0 } == [0.1, 0.1, 0.05])
        let text = try String(contentsOf: logURL, encoding: .utf8)
        #expect(text.contains("epoch 1/3 [") == false && text.contains("epoch 3/3  loss "))
        #expect(text.contains("val_accuracy") && text.contains("6/6"))
    }
}

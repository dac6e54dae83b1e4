import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseModels
@testable import SynapseTraining

/// A checkpoint of a small real model after two Adam steps, with callback state and history.
private func sampleCheckpoint() -> (Checkpoint, MLPClassifier) {
    let generator = RandomGenerator(seed: 3)
    let model = MLPClassifier(inputSize: 5, hiddenSizes: [4], classes: 3, generator: generator)
    let optimizer = Adam(model.parameters(), learningRate: 0.001)
    let x = Tensor.randn([6, 5], generator: generator), y = IntTensor([0, 1, 2, 0, 1, 2])
    for _ in 0..<2 {
        let loss = crossEntropy(model(x), y)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
    }
    var c = Checkpoint()
    c.epoch = 2
    c.globalStep = 2
    c.model = model.stateDict()
    c.optimizer = optimizer.stateDict()
    c.learningRate = optimizer.learningRate
    c.optimizerType = "Adam"
    c.generators = ["loader.train": [1, 2, 3, 0xdead_beef]]
    c.history.append(epoch: 1, values: ["loss": 1.1])
    c.history.append(epoch: 2, values: ["loss": 0.9])
    c.callbacks["early_stopping"] = CallbackState(values: ["best": 0.9, "best_epoch": 2, "wait": 0, "stopped_epoch": 0],
                                                  tensors: ["fc.bias": Tensor([1, 2])])
    return (c, model)
}

/// The error `Checkpoint.decode` throws for `bytes`, or nil when it accepts them.
private func decodeError(_ bytes: Data) -> CheckpointError? {
    do { _ = try Checkpoint.decode(bytes); return nil } catch { return error }
}

/// `bytes` with its header JSON edited and the checksum recomputed, as a buggy or hostile writer would make it.
private func forged(_ bytes: Data, edit: (inout [String: Any]) -> Void) throws -> Data {
    let archive = try SafeTensorsArchive(data: bytes)
    var header = try #require(JSONSerialization.jsonObject(with: Data(archive.metadata[Checkpoint.metadataKey]!.utf8)) as? [String: Any])
    edit(&header)
    let json = String(decoding: try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]), as: UTF8.self)
    var tensors: [String: Tensor] = [:]
    for name in archive.names { tensors[name] = try archive.tensor(name) }
    return SafeTensors.encode(tensors, metadata: [Checkpoint.metadataKey: json,
                                                  Checkpoint.checksumKey: Checkpoint.checksum(json: json, tensors: tensors)])
}

@Suite("Training: checkpoint integrity")
struct CheckpointIntegrityTests {
    @Test("every single-bit flip in the header is detected, and a rewritten learning rate too")
    func headerBitFlips() throws {
        let (c, _) = sampleCheckpoint()
        let bytes = try c.encoded()
        let back = try Checkpoint.decode(bytes)
        #expect(back.learningRate == c.learningRate && back.epoch == 2 && back.history == c.history)
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        var accepted: [Int] = []
        for i in 8..<(8 + length) {
            var damaged = bytes
            damaged[i] ^= UInt8(1 << (i % 8))
            if let d = try? Checkpoint.decode(damaged), CheckpointTargetEquivalence.differs(d, c) { accepted.append(i) }
        }
        #expect(accepted.isEmpty, "header flips accepted with changed content at bytes \(accepted)")
        // lr 0.001 → 0.003 with the same length (the header JSON sits escaped inside the metadata JSON).
        let needle = Array(#"learningRate\":0.001"#.utf8), raw = [UInt8](bytes)
        let at = try #require((0...(raw.count - needle.count)).first { Array(raw[$0..<($0 + needle.count)]) == needle })
        var edited = bytes
        edited[at + needle.count - 1] = UInt8(ascii: "3")
        guard case .corrupt(_, let reason)? = decodeError(edited) else { Issue.record("edited learning rate accepted"); return }
        #expect(reason.contains("checksum"))
        // And a flipped bit of tensor data.
        var data = bytes
        data[data.count - 3] ^= 0x10
        #expect(decodeError(data) != nil)
    }

    @Test("out-of-range fields are rejected even with a matching checksum")
    func badFieldValues() throws {
        let (c, _) = sampleCheckpoint()
        let bytes = try c.encoded()
        #expect(decodeError(try forged(bytes) { _ in }) == nil, "the forging helper itself breaks the file")
        let edits: [(String, (inout [String: Any]) -> Void)] = [
            ("negative epoch", { $0["epoch"] = -1 }),
            ("huge epoch", { $0["epoch"] = Int.max }),
            ("negative step", { $0["globalStep"] = -5 }),
            ("zero lr", { $0["learningRate"] = 0 }),
            ("negative lr", { $0["learningRate"] = -0.001 }),
            ("nan lr", { $0["learningRate"] = "nan" }),
            ("inf lr", { $0["learningRate"] = "inf" }),
            ("zero generator", { $0["generators"] = ["loader.train": ["0", "0", "0", "0"]] }),
            ("short generator", { $0["generators"] = ["loader.train": ["1", "2", "3"]] }),
            ("signed generator word", { $0["generators"] = ["loader.train": ["+1", "2", "3", "4"]] }),
            ("nan callback value", { $0["callbacks"] = ["early_stopping": ["best": "nan", "best_epoch": 2, "wait": 0]] }),
            ("tensors of an unknown callback", { $0["callbackTensors"] = ["early_stopping": ["fc.bias"], "ghost": ["x"]] }),
            ("unclaimed callback tensor", { $0["callbackTensors"] = ["early_stopping": [String]()] }),
            ("history out of order", { h in
                h["history"] = ["records": [["epoch": 2, "values": [String: Double]()], ["epoch": 1, "values": [String: Double]()]]]
            }),
            ("history after the epoch", { $0["history"] = ["records": [["epoch": 3, "values": [String: Double]()]]] }),
            ("wrong type", { $0["epoch"] = "two" }),
        ]
        for (what, edit) in edits {
            guard case .corrupt? = decodeError(try forged(bytes, edit: edit)) else { Issue.record("\(what) accepted"); continue }
        }
        var nanModel = c
        nanModel.model["layers.0.bias"] = Tensor([0, .nan, 0, 0])
        guard case .corrupt(_, let reason)? = decodeError(try nanModel.encoded()) else { Issue.record("NaN weights accepted"); return }
        #expect(reason.contains("layers.0.bias"))
        var badStep = c
        badStep.optimizer["0.step"] = Tensor([1, 2])
        #expect(decodeError(try badStep.encoded()) != nil)
    }

    @Test("callback and scheduler restores throw instead of trapping on impossible values")
    func restoreRangeChecks() throws {
        for values: [String: Double] in [["best": 1, "best_epoch": 1, "wait": -1e300], ["best": 1, "best_epoch": .infinity, "wait": 0],
                                         ["best": 1, "best_epoch": 1, "wait": 0, "stopped_epoch": .nan], ["best": .nan, "best_epoch": 1, "wait": 0],
                                         ["best": 1, "best_epoch": 1.5, "wait": 0]] {
            #expect(throws: CheckpointError.self, "\(values)") { try EarlyStopping().restore(from: CallbackState(values: values)) }
        }
        try EarlyStopping().restore(from: CallbackState(values: ["best": .infinity, "best_epoch": 0, "wait": 3]))
        let model = MLPClassifier(inputSize: 2, hiddenSizes: [2], classes: 2)
        let optimizer = Adam(model.parameters(), learningRate: 0.1)
        let plateau = ReduceLROnPlateau(optimizer)
        for (key, value) in [("step", 1e300), ("bad_steps", -1), ("cooldown_counter", .infinity), ("lr", .infinity)] {
            var state = plateau.stateDict()
            state[key] = value
            #expect(throws: SchedulerError.self, "\(key) = \(value)") { try plateau.loadStateDict(state) }
        }
        let scheduler = ScheduledLR(optimizer, schedule: StepLR(stepSize: 2))
        for step in [1e300, -.infinity, 2.5] {
            #expect(throws: SchedulerError.self) { try scheduler.loadStateDict(["step": step, "base_lr": scheduler.baseLearningRate]) }
        }
        var state = optimizer.stateDict()
        state["0.step"] = Tensor(.nan)
        #expect(throws: OptimizerError.self) { try optimizer.loadStateDict(state) }
    }

    @Test("Module.load reads a checkpoint's model part, verified")
    func checkpointAsWeights() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (c, trained) = sampleCheckpoint()
        let url = dir.file("ckpt.safetensors")
        try c.write(to: url)
        let fresh = MLPClassifier(inputSize: 5, hiddenSizes: [4], classes: 3, generator: RandomGenerator(seed: 99))
        try fresh.load(from: url)
        #expect(fresh.stateDict().mapValues { $0.scalars } == trained.stateDict().mapValues { $0.scalars })
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 2] ^= 1
        try bytes.write(to: url)
        #expect(throws: CheckpointError.self) { try fresh.load(from: url) }
    }

    @Test("a checkpoint of another format version is refused by name, by resume and by Module.load alike")
    func otherVersionRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (c, _) = sampleCheckpoint()
        let old = try forged(try c.encoded()) { $0["version"] = 1 }
        #expect(decodeError(old) == .mismatch(path: "<memory>", reason: "format version 1, this build reads version 2"))
        let url = dir.file("v1.safetensors")
        try old.write(to: url)
        let fresh = MLPClassifier(inputSize: 5, hiddenSizes: [4], classes: 3, generator: RandomGenerator(seed: 99))
        #expect(throws: CheckpointError.mismatch(path: url.path, reason: "format version 1, this build reads version 2")) {
            try fresh.load(from: url)
        }
    }

    @Test("a checkpoint holds no paths: moved to another directory it resumes")
    func movedCheckpointResumes() throws {
        let dirA = try TrainerFixtures.temporaryDirectory(), dirB = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dirA); try? FileManager.default.removeItem(at: dirB) }
        let first = TrainingRun(directory: dirA)
        try first.trainer.fit(epochs: 1)
        let moved = dirB.appendingPathComponent("moved.safetensors")
        try FileManager.default.moveItem(at: first.checkpoints.lastURL, to: moved)
        try FileManager.default.removeItem(at: dirA)
        #expect(!String(decoding: try Data(contentsOf: moved), as: UTF8.self).contains(dirA.path))
        let second = TrainingRun(directory: dirB)
        try second.trainer.resume(from: moved)
        #expect(second.trainer.context.epoch == 1)
        try second.trainer.fit(epochs: 2)
        #expect(second.trainer.context.epoch == 2)
    }
}

/// Content comparison of two checkpoints (bit-for-bit numbers).
enum CheckpointTargetEquivalence {
    static func differs(_ a: Checkpoint, _ b: Checkpoint) -> Bool {
        func bits(_ d: [String: Tensor]) -> [String: [UInt32]] { d.mapValues { $0.scalars.map(\.bitPattern) } }
        return a.epoch != b.epoch || a.globalStep != b.globalStep || a.learningRate.bitPattern != b.learningRate.bitPattern
            || a.optimizerType != b.optimizerType || a.generators != b.generators || a.history != b.history
            || bits(a.model) != bits(b.model) || bits(a.optimizer) != bits(b.optimizer)
            || a.callbacks.mapValues { $0.values.mapValues(\.bitPattern) } != b.callbacks.mapValues { $0.values.mapValues(\.bitPattern) }
            || a.callbacks.mapValues { bits($0.tensors) } != b.callbacks.mapValues { bits($0.tensors) }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseTraining

/// Divergence stops every training loop with a typed error naming the epoch and step; the bad step
/// is not applied and nothing is written after it.
struct DivergenceTests {
    typealias Batch = TensorDataset.Batch

    /// Cross-entropy, poisoned at call `badCall`: `.loss` multiplies the loss by NaN; `.gradient`
    /// adds 0·sqrt(|logits|·0), finite (0) forward but NaN backward (0 · 0.5/sqrt(0)).
    enum Poison { case loss, gradient, none }

    final class PoisonedObjective: @unchecked Sendable {
        var calls = 0
        var weightsBeforeBadCall: [String: Tensor] = [:]
        let badCall: Int, poison: Poison

        init(badCall: Int, poison: Poison) {
            self.badCall = badCall
            self.poison = poison
        }

        func objective(_ model: TinyNet) -> TrainingObjective<Batch> {
            TrainingObjective(forward: { [self] batch in
                calls += 1
                let logits = model(batch.features)
                var loss = crossEntropy(logits, batch.labels)
                if calls == badCall {
                    weightsBeforeBadCall = model.stateDict().mapValues { $0.contiguousCopy() }
                    switch poison {
                    case .loss: loss = loss * Float.nan
                    case .gradient: loss = loss + (sqrt(logits.abs() * 0) * 0).sum()
                    case .none: break
                    }
                }
                return (logits, loss)
            }, targets: { $0.labels.asFloat })
        }
    }

    static func trainer(_ model: TinyNet, _ objective: TrainingObjective<Batch>, optimizer: (any Optimizer)? = nil,
                        callbacks: [any TrainingCallback] = []) -> Trainer<TensorDataset, TensorDataset> {
        Trainer(model: model, optimizer: optimizer ?? SGD(model.parameters(), learningRate: 0.05), objective: objective,
                train: DataLoader(TrainerFixtures.train, batchSize: 32, shuffle: true, seed: 3),
                validation: DataLoader(TrainerFixtures.validation, batchSize: 64), callbacks: callbacks, generators: [:])
    }

    static func expectUnchanged(_ model: TinyNet, since before: [String: Tensor]) {
        #expect(!before.isEmpty)
        for (name, t) in model.stateDict() { #expect(t.scalars == before[name]?.scalars, "\(name) changed by the bad step") }
    }

    @Test func nonFiniteLossStopsTheTrainerBeforeTheStep() throws {
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        // 6 training batches and 1 validation batch per epoch: call 9 is epoch 2, step 2.
        let poison = PoisonedObjective(badCall: 9, poison: .loss)
        let trainer = Self.trainer(model, poison.objective(model))
        do {
            try trainer.fit(epochs: 3)
            Issue.record("training did not stop")
        } catch let error as TrainingError {
            guard case .nonFinite(let v) = error else { Issue.record("wrong error \(error)"); return }
            #expect(v.quantity == .loss && v.epoch == 2 && v.step == 2 && v.value.isNaN)
            #expect(error.description.contains("non-finite loss") && error.description.contains("epoch 2, step 2"))
        }
        Self.expectUnchanged(model, since: poison.weightsBeforeBadCall)
        #expect(trainer.context.history.records.count == 1 && trainer.context.globalStep == 7)
    }

    @Test func nonFiniteGradientNamesTheParameterAndSkipsTheStep() throws {
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        let poison = PoisonedObjective(badCall: 2, poison: .gradient)
        let trainer = Self.trainer(model, poison.objective(model), optimizer: Adam(model.parameters(), learningRate: 1e-2))
        do {
            try trainer.fit(epochs: 1)
            Issue.record("training did not stop")
        } catch let error as TrainingError {
            guard case .nonFinite(let v) = error else { Issue.record("wrong error \(error)"); return }
            #expect(v.quantity == .gradient(parameter: "fc1.weight") && v.epoch == 1 && v.step == 2)
            #expect(error.description.contains("non-finite gradient of parameter 'fc1.weight'"))
        }
        Self.expectUnchanged(model, since: poison.weightsBeforeBadCall)
    }

    @Test func gradientClippingNormDoesNotHideANonFiniteGradient() throws {
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        let poison = PoisonedObjective(badCall: 1, poison: .gradient)
        let trainer = Self.trainer(model, poison.objective(model), callbacks: [GradientClippingCallback(maxNorm: 1)])
        #expect(throws: TrainingError.self) { try trainer.fit(epochs: 1) }
        Self.expectUnchanged(model, since: poison.weightsBeforeBadCall)
    }

    @Test func theLastGoodCheckpointIsKept() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        let poison = PoisonedObjective(badCall: 16, poison: .loss)   // epoch 3, step 2
        let checkpoints = ModelCheckpoint(directory: dir, monitor: "val_loss")
        let trainer = Self.trainer(model, poison.objective(model), callbacks: [checkpoints])
        #expect(throws: TrainingError.self) { try trainer.fit(epochs: 5) }
        let saved = try Checkpoint.read(from: checkpoints.lastURL)
        #expect(saved.epoch == 2)
        #expect(saved.model.values.allSatisfy { $0.isAllFinite })
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("epoch-3.safetensors").path))
    }

    @Test func anomalyModeNamesTheOpInsideTheTrainer() throws {
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        let objective = TrainingObjective<Batch>(forward: { batch in
            let logits = model(batch.features)
            // log of negative logits is NaN: the op to blame, though the loss is also NaN.
            return (logits, crossEntropy(log(logits), batch.labels))
        }, targets: { $0.labels.asFloat })
        let trainer = Self.trainer(model, objective)
        var caught: TrainingError?
        _ = try? withAnomalyDetection {
            do { try trainer.fit(epochs: 1) } catch let e as TrainingError { caught = e }
        }
        guard case .anomaly(let report, let epoch, let step) = caught else { Issue.record("no anomaly error: \(String(describing: caught))"); return }
        #expect(report.op == "log" && report.pass == .forward && report.consumedFinite && epoch == 1 && step == 1)
        #expect(caught!.description.contains("'log'"))
    }

    @Test func saveRefusesNonFiniteWeights() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        let url = dir.appendingPathComponent("w.safetensors")
        try model.save(to: url)
        let good = try Data(contentsOf: url)
        var w = model.fc2.weight.value.scalars
        w[4] = .infinity
        model.fc2.weight.value = Tensor(shape: model.fc2.weight.shape, scalars: w)
        do {
            try model.save(to: url)
            Issue.record("saved non-finite weights")
        } catch let error as NonFiniteWeightsError {
            #expect(error.parameter == "fc2.weight" && error.index == 4 && error.value == .infinity && error.count == 1)
            #expect(error.description.contains("non-finite"))
        }
        #expect(try Data(contentsOf: url) == good)
        let trainer = Self.trainer(model, .classification(model))
        let checkpoint = dir.appendingPathComponent("c.safetensors")
        #expect(throws: CheckpointError.self) { try trainer.saveCheckpoint(to: checkpoint) }
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
    }

    @Test func zeroOptimizerStepsAndEmptyEvaluationSetsAreErrors() throws {
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        let tiny = TrainerFixtures.dataset(count: 3, seed: 5)
        let empty = TrainerFixtures.dataset(count: 0, seed: 5)
        let dropping = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), objective: .classification(model),
                               train: DataLoader(tiny, batchSize: 8, dropLast: true), generators: [:])
        #expect(throws: TrainingError.noOptimizerSteps(examples: 3, batchSize: 8, dropLast: true)) { try dropping.fit(epochs: 1) }
        let noData = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), objective: .classification(model),
                             train: DataLoader(empty, batchSize: 8), generators: [:])
        #expect(throws: TrainingError.noOptimizerSteps(examples: 0, batchSize: 8, dropLast: false)) { try noData.fit(epochs: 1) }
        let noValidation = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), objective: .classification(model),
                                   train: DataLoader(tiny, batchSize: 2), validation: DataLoader(empty, batchSize: 8), generators: [:])
        #expect(throws: TrainingError.emptyEvaluationSet(name: "validation")) { try noValidation.fit(epochs: 1) }
        #expect(TrainingError.noOptimizerSteps(examples: 3, batchSize: 8, dropLast: true).description.contains("batch size is 8"))

        // A step-based run checks the same.
        #expect(throws: TrainingError.noOptimizerSteps(examples: 3, batchSize: 8, dropLast: true)) { try dropping.fit(steps: 4) }
    }

    @Test func classifierTrainingStopsOnANaNWeightThatReLUWouldOnceHaveHidden() throws {
        let model = TinyNet(seed: 1, dropout: RandomGenerator(seed: 2))
        model.fc1.weight.value = Tensor(shape: model.fc1.weight.shape, scalars: .init(repeating: .nan, count: model.fc1.weight.value.count))
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), objective: .classification(model),
                              train: DataLoader(TrainerFixtures.train, batchSize: 32, shuffle: true, dropLast: true),
                              validation: DataLoader(TrainerFixtures.validation, batchSize: 64), generators: [:])
        do {
            try trainer.fit(epochs: 2)
            Issue.record("training did not stop")
        } catch let error as TrainingError {
            guard case .nonFinite(let v) = error else { Issue.record("wrong error \(error)"); return }
            #expect(v.quantity == .loss && v.epoch == 1 && v.step == 1)
        }
        #expect(trainer.context.history.records.isEmpty)
    }

    @Test func languageModelTrainingStopsOnDivergence() throws {
        let corpus = TextCorpus(bytes: Array("the quick brown fox jumps over the lazy dog. ".utf8) + Array("abcdefgh ".utf8))
        let model = CharLSTMLanguageModel(vocabularySize: corpus.vocabularySize, embeddingDim: 8, hiddenSize: 16,
                                          generator: RandomGenerator(seed: 1))
        let optimizer = Adam(model.parameters(), learningRate: 1e-3)
        func trainer() -> Trainer<TextWindows, TextWindows> {
            Trainer(model: model, optimizer: optimizer, objective: .languageModel(model),
                    train: TextWindows(corpus, length: 8).loader(batchSize: 2, batchesPerEpoch: 5, generator: RandomGenerator(seed: 2)),
                    generators: [:])
        }
        // Healthy: trains without error.
        try trainer().fit(steps: 5)
        var w = model.head.weight.value.scalars
        w[0] = .nan
        model.head.weight.value = Tensor(shape: model.head.weight.shape, scalars: w)
        do {
            try trainer().fit(steps: 5)
            Issue.record("training did not stop")
        } catch let error as TrainingError {
            #expect(error.description.contains("non-finite loss") && error.description.contains("step 1"), "\(error)")
        }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseModels
@testable import SynapseTraining

/// `Trainer.fit(steps:)`, the validation interval, sampling loaders and the language-model objective:
/// what lets one loop run the image, tabular and language-model recipes and the benchmarks.
@Suite struct StepBasedTrainerTests {
    static func bits(_ state: [String: Tensor]) -> [String: [UInt32]] { state.mapValues { $0.scalars.map(\.bitPattern) } }

    /// A trainer over `TrainerFixtures.train` in batches of 48 (4 per epoch), its dropout generator checkpointed.
    static func trainer(seed: UInt64 = 1, validation: Bool = false,
                        callbacks: [any TrainingCallback] = []) -> (Trainer<TensorDataset, TensorDataset>, TinyNet) {
        let dropout = RandomGenerator(seed: 2)
        let model = TinyNet(seed: seed, dropout: dropout)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-2), objective: .classification(model),
                              train: DataLoader(TrainerFixtures.train, batchSize: 48, shuffle: true, seed: 3),
                              validation: validation ? DataLoader(TrainerFixtures.validation, batchSize: 64) : nil,
                              metrics: TrainingMetrics.accuracy, callbacks: callbacks,
                              generators: ["dropout": dropout])
        return (trainer, model)
    }

    @Test func stepBasedRunsStopMidEpochAndStillCloseIt() throws {
        let (trainer, _) = Self.trainer(validation: true)
        let history = try trainer.fit(steps: 10)
        // 4 batches per epoch: epochs of 4, 4 and 2 steps; the cut epoch is closed and validated.
        #expect(trainer.context.globalStep == 10 && trainer.context.epoch == 3)
        #expect(history.records.count == 3 && history.records.allSatisfy { $0.values["val_loss"] != nil })
        #expect(trainer.context.targetSteps == 10 && trainer.context.targetEpochs == 3)
        // Continuing to a later step starts a new epoch.
        try trainer.fit(steps: 13)
        #expect(trainer.context.globalStep == 13 && trainer.context.epoch == 4)
        // Already there: nothing happens.
        try trainer.fit(steps: 13)
        #expect(trainer.context.globalStep == 13 && trainer.context.history.records.count == 4)
    }

    @Test func stepsAndEpochsTrainTheSameWeightsOverWholeEpochs() throws {
        let (byEpochs, a) = Self.trainer()
        try byEpochs.fit(epochs: 3)
        let (bySteps, b) = Self.trainer()
        try bySteps.fit(steps: 12)
        #expect(Self.bits(a.stateDict()) == Self.bits(b.stateDict()))
        #expect(bySteps.context.epoch == 3)
    }

    @Test func aStepBasedRunResumedFromItsCheckpointMatchesAnUninterruptedOne() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (straight, a) = Self.trainer()
        try straight.fit(steps: 14)
        do {
            let (first, _) = Self.trainer(callbacks: [ModelCheckpoint(directory: dir, monitor: nil)])
            try first.fit(steps: 8)
        }
        let (resumed, b) = Self.trainer(seed: 99, callbacks: [ModelCheckpoint(directory: dir, monitor: nil)])
        try resumed.resume(from: dir.appendingPathComponent("last.safetensors"))
        #expect(resumed.context.globalStep == 8)
        try resumed.fit(steps: 14)
        #expect(Self.bits(a.stateDict()) == Self.bits(b.stateDict()))
    }

    @Test func validationRunsEveryIntervalAndOnTheLastEpoch() throws {
        let (trainer, _) = Self.trainer(validation: true)
        trainer.validationInterval = 2
        let history = try trainer.fit(epochs: 5)
        #expect(history.records.map { $0.values["val_loss"] != nil } == [false, true, false, true, true])
    }

    @Test func samplingLoadersDrawAsTextCorpusRandomWindows() {
        let corpus = TextCorpus(bytes: Array("It was the best of times, it was the worst of times, it was the age of wisdom".utf8))
        let loader = TextWindows(corpus, length: 7).loader(batchSize: 3, batchesPerEpoch: 4, generator: RandomGenerator(seed: 5))
        #expect(loader.count == 4)
        let reference = RandomGenerator(seed: 5)
        var batches = 0
        for batch in loader {
            let expected = corpus.randomWindows(batchSize: 3, length: 7, generator: reference)
            #expect(batch.inputs.scalars == expected.inputs.scalars && batch.targets.scalars == expected.targets.scalars)
            #expect(batch.inputs.shape == [3, 7])
            batches += 1
        }
        #expect(batches == 4)
        // The next epoch continues the same stream.
        let next = loader.makeIterator().order
        #expect(next.isEmpty)
    }

    @Test func theLanguageModelObjectiveIsTheModelsLoss() throws {
        let corpus = TextCorpus(bytes: Array("the quick brown fox jumps over the lazy dog, again and again. ".utf8))
        let model = CharLSTMLanguageModel(vocabularySize: corpus.vocabularySize, embeddingDim: 8, hiddenSize: 16,
                                          generator: RandomGenerator(seed: 1))
        let batch = TextWindows(corpus, length: 6).batch([0, 5, 11])
        let (logits, loss) = TrainingObjective.languageModel(model).forward(batch)
        #expect(logits.shape == [3, 6, corpus.vocabularySize])
        #expect(loss.item() == model.loss(batch.inputs, batch.targets).item())
    }

    @Test func theRegressionObjectiveIsTheMeanSquaredError() {
        let model = Linear(3, 1, generator: RandomGenerator(seed: 4))
        let data = RegressionDataset(features: Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) / 10 }),
                                     targets: Tensor(shape: [4, 1], scalars: [0.5, -1, 2, 0]))
        let batch = data.batch([0, 1, 2, 3])
        let (predictions, loss) = TrainingObjective.regression(model).forward(batch)
        #expect(predictions.shape == [4, 1])
        #expect(loss.item() == mseLoss(model(batch.features), batch.targets).item())
        #expect(TrainingObjective.regression(model).targets(batch).scalars == [0.5, -1, 2, 0])
    }

    @Test func aLanguageModelTrainsThroughTheTrainerByStepsAndLearns() throws {
        let corpus = TextCorpus(bytes: Array(String(repeating: "abcabcabd ", count: 40).utf8))
        let model = CharLSTMLanguageModel(vocabularySize: corpus.vocabularySize, embeddingDim: 8, hiddenSize: 16,
                                          generator: RandomGenerator(seed: 1))
        let windows = TextWindows(corpus, length: 8)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 3e-2), objective: .languageModel(model),
                              train: windows.loader(batchSize: 4, batchesPerEpoch: 10, generator: RandomGenerator(seed: 2)),
                              validation: windows.loader(batchSize: 4, batchesPerEpoch: 2, generator: RandomGenerator(seed: 3)),
                              generators: [:])
        trainer.validationInterval = Int.max
        let history = try trainer.fit(steps: 45)
        #expect(trainer.context.globalStep == 45 && history.records.count == 5)
        // Only the last epoch is validated; the loss fell well below the uniform guess (ln 5 ≈ 1.6).
        #expect(history.records.dropLast().allSatisfy { $0.values["val_loss"] == nil })
        let last = try #require(history.records.last?.values["val_loss"])
        #expect(last < 1.0, "validation loss \(last)")
    }
}

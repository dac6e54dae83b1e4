import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseJobs

/// `ImageTrainingJob` and `LanguageModelTrainingJob` on small in-memory data: the shared controls
/// (checkpoints, resume, refusal of changed hyperparameters, logs) work for every kind of run.
@Suite struct TrainingJobsTests {
    static func bits(_ state: [String: Tensor]) -> [String: [UInt32]] { state.mapValues { $0.scalars.map(\.bitPattern) } }

    static let images = (train: TrainerFixtures.train, test: TrainerFixtures.validation)

    static func imageOptions(_ dir: URL, name: String, epochs: Int) -> ImageTrainingOptions {
        var o = ImageTrainingOptions(dataset: .fashionMNIST, model: .mlp, output: dir.appendingPathComponent("\(name).safetensors"))
        o.epochs = epochs
        o.batchSize = 32
        return o
    }

    static let corpus = TextCorpus(bytes: Array(String(repeating: "to be or not to be, that is the question. ", count: 12).utf8))
    static var text: (corpus: TextCorpus, train: TextCorpus, validation: TextCorpus) {
        let (train, validation) = corpus.split(trainFraction: 0.9)
        return (corpus, train, validation)
    }

    static func textOptions(_ dir: URL, name: String, steps: Int) -> LanguageModelTrainingOptions {
        var o = LanguageModelTrainingOptions(corpus: .shakespeare, model: .charLSTM, output: dir.appendingPathComponent("\(name).safetensors"))
        o.steps = steps
        o.batchSize = 2
        o.context = 8
        o.logEvery = 2
        o.evalBatches = 2
        o.sampleLength = 0
        return o
    }

    @Test func anImageRunResumedFromItsCheckpointMatchesAnUninterruptedOneAndRefusesChangedHyperparameters() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let straight = try ImageTrainingJob(options: Self.imageOptions(dir, name: "straight", epochs: 3), log: { _ in }).run(data: Self.images)
        #expect(straight.history.records.count == 3 && straight.testAccuracy > 0)

        var first = Self.imageOptions(dir, name: "first", epochs: 2)
        first.controls.checkpointDirectory = dir.appendingPathComponent("checkpoints")
        try ImageTrainingJob(options: first, log: { _ in }).run(data: Self.images)
        let last = dir.appendingPathComponent("checkpoints/last.safetensors")

        // Resuming with more epochs is a changed hyperparameter: refused, naming it, unless forced.
        var resumed = Self.imageOptions(dir, name: "resumed", epochs: 3)
        resumed.controls.resume = last
        do {
            try ImageTrainingJob(options: resumed, log: { _ in }).validateResume()
            Issue.record("a resume with other epochs was accepted")
        } catch let error as PipelineError {
            #expect(error.description.contains("--epochs: checkpoint 2, now 3") && error.description.contains("--force"), "\(error)")
        }
        #expect(throws: PipelineError.self) { try ImageTrainingJob(options: resumed, log: { _ in }).run(data: Self.images) }
        resumed.controls.force = true
        var lines: [String] = []
        let result = try ImageTrainingJob(options: resumed, log: { lines.append($0) }).run(data: Self.images)
        #expect(lines.contains { $0.contains("warning: resuming with other hyperparameters") })
        #expect(lines.contains { $0.hasPrefix("resumed from \(last.path) after epoch 2") })
        #expect(result.history.records.count == 3)
        #expect(Self.bits(result.model.stateDict()) == Self.bits(straight.model.stateDict()))
    }

    @Test func anImageRunWritesTheSharedLogsAndSchedules() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = Self.imageOptions(dir, name: "w", epochs: 3)
        o.controls.logDirectory = dir
        o.controls.schedule = .cosine
        o.controls.clipNorm = 1
        var lines: [String] = []
        let result = try ImageTrainingJob(options: o, log: { lines.append($0) }).run(data: Self.images)
        for file in ["history.jsonl", "history.csv", "loss.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "no \(file)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix("events.out.tfevents") })
        // The cosine schedule lowered the rate; the epoch lines keep the CLI's format.
        #expect(result.history.records.last!.values["lr"]! < 1e-3)
        #expect(lines.contains { $0.hasPrefix("epoch 3/3  train_loss ") && $0.contains("test_accuracy") })
        #expect(result.history.records.last!.values["val_accuracy"] == result.testAccuracy)
    }

    @Test func theImageJobRefusesAnUnloggedMonitor() {
        var o = Self.imageOptions(FileManager.default.temporaryDirectory, name: "unused", epochs: 1)
        o.controls.patience = 2
        o.controls.monitor = "val_mae"
        #expect(throws: PipelineError.self) { try o.validate() }
    }

    @Test func aLanguageModelRunResumedFromItsCheckpointMatchesAnUninterruptedOne() throws {
        // Bit-equality needs the same summation order in all three runs: on a busy machine the
        // shared team shrinks (ThreadPool adapts to lost cores), which changes how reductions split.
        // This thread's regions run serially instead; the model is tiny.
        ThreadPool.setCallingThreadSerial(true)
        defer { ThreadPool.setCallingThreadSerial(false) }
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines: [String] = []
        let straight = try LanguageModelTrainingJob(options: Self.textOptions(dir, name: "straight", steps: 6), log: { lines.append($0) })
            .run(data: Self.text)
        #expect(straight.steps == 6 && straight.history.records.count == 3 && straight.validationLoss.isFinite)
        #expect(lines.contains { $0.hasPrefix("step 6/6  train_loss ") })

        var first = Self.textOptions(dir, name: "first", steps: 4)
        first.controls.checkpointDirectory = dir.appendingPathComponent("checkpoints")
        try LanguageModelTrainingJob(options: first, log: { _ in }).run(data: Self.text)

        var resumed = Self.textOptions(dir, name: "resumed", steps: 6)
        resumed.controls.resume = dir.appendingPathComponent("checkpoints/last.safetensors")
        do {
            try LanguageModelTrainingJob(options: resumed, log: { _ in }).validateResume()
            Issue.record("a resume with other steps was accepted")
        } catch let error as PipelineError {
            #expect(error.description.contains("--steps: checkpoint 4, now 6"), "\(error)")
        }
        resumed.controls.force = true
        let result = try LanguageModelTrainingJob(options: resumed, log: { _ in }).run(data: Self.text)
        #expect(result.steps == 6)
        // (The validation losses differ: the 4-step run validated at its end, advancing the validation windows.)
        #expect(Self.bits(result.model.stateDict()) == Self.bits(straight.model.stateDict()))
    }

    @Test func aLanguageModelRunWritesItsVocabularyAndOneHistoryRowPerEpoch() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = Self.textOptions(dir, name: "lm", steps: 5)
        o.controls.logDirectory = dir
        o.sampleLength = 10
        o.prompt = "to "
        let result = try LanguageModelTrainingJob(options: o, log: { _ in }).run(data: Self.text)
        // Epochs of 2, 2 and 1 steps; the last is validated.
        let jsonl = try String(contentsOf: dir.appendingPathComponent("history.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(jsonl.count == 3 && jsonl.last!.contains("val_loss") && !jsonl.first!.contains("val_loss"))
        #expect(result.history.records.map { $0.values["step"] } == [2, 4, 5])
        #expect(result.sample?.hasPrefix("to ") == true && result.sample!.utf8.count == 13)
        let metadata = try SafeTensors.load(from: result.weights).metadata
        #expect(metadata["model"] == "char-lstm" && metadata["steps"] == "5" && metadata[CharacterVocabulary.metadataKey] != nil)
    }
}

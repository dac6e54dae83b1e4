import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseModels
@testable import SynapseTraining
@testable import SynapseJobs

/// Run files written by the library without real data: the history appended per epoch, and
/// weights metadata that must be refused with a typed error instead of trapping.
@Suite struct RunFilesTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-runfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func historyIsAppendedOneLinePerEpoch() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("history.jsonl"), csv = dir.appendingPathComponent("history.csv")
        let logger = HistoryLogger(jsonLines: jsonl, csv: csv)
        var history = TrainingHistory()
        var previous = ""
        for epoch in 1...5 {
            history.append(epoch: epoch, values: ["loss": 1 / Double(epoch), "val_loss": 2 / Double(epoch)])
            try logger.record(history)
            let text = try String(contentsOf: jsonl, encoding: .utf8)
            #expect(text.split(separator: "\n").count == epoch)
            #expect(text.hasPrefix(previous), "epoch \(epoch) changed earlier lines")
            previous = text
        }
        #expect(previous == history.jsonLines())
        #expect(try String(contentsOf: csv, encoding: .utf8) == history.csv())
        // Appending, not rewriting: a marker put in place of the file's lines survives the next epoch.
        try Data("marker\n".utf8).write(to: jsonl)
        history.append(epoch: 6, values: ["loss": 0.1, "val_loss": 0.2])
        try logger.record(history)
        let after = try String(contentsOf: jsonl, encoding: .utf8)
        #expect(after.hasPrefix("marker\n") && after.split(separator: "\n").count == 2)
        // A new column rewrites the CSV with the widened header.
        history.append(epoch: 7, values: ["loss": 0.1, "val_loss": 0.2, "lr": 0.01])
        try logger.record(history)
        #expect(try String(contentsOf: csv, encoding: .utf8) == history.csv())
    }

    /// Writes a one-tensor weights file with `metadata` (as a hand-edited or corrupted file would be).
    static func weights(_ metadata: [String: String], in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("bad-\(UUID().uuidString).safetensors")
        try SafeTensors.save(["layers.0.weight": Tensor(shape: [1], scalars: [0])], metadata: metadata, to: url)
        return url
    }

    @Test(arguments: [("hidden", "-1"), ("hidden", "100000000000"), ("hidden", "64,,32"), ("seed", "inf"), ("seed", "1.8e19"),
                      ("seed", "-3"), ("window", "inf"), ("window", "1.8e19"), ("window", "0"), ("validation", "nan"), ("test", "1.5")])
    func badTabularMetadataIsATypedError(key: String, value: String) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var metadata = ["dataset": "diabetes", "model": "mlp", "hidden": "64,32", "seed": "0", "validation": "0.15", "test": "0.15",
                        "window": "12"]
        metadata[key] = value
        let url = try Self.weights(metadata, in: dir)
        #expect {
            try TabularEvaluationJob(weights: url, report: dir.appendingPathComponent("r.md")).run()
        } throws: { error in
            guard case PipelineError.invalidRun(let path, let reason) = error else { return false }
            return path == url.path && reason.contains("'\(key)'") && reason.contains(value)
        }
    }

    @Test func longRunsCheckpointEveryHundredthOfTheRun() {
        var o = TabularTrainingOptions(benchmark: .diabetes, output: URL(fileURLWithPath: "/tmp/w.safetensors"))
        o.epochs = 15
        #expect(o.defaultCheckpointEvery == 1)
        o.epochs = 100
        #expect(o.defaultCheckpointEvery == 1)
        o.epochs = 3000
        #expect(o.defaultCheckpointEvery == 30)
        o.checkpointEvery = 0
        #expect(throws: PipelineError.invalidOption(name: "checkpoint-every", reason: "must be positive, got 0")) { try o.validate() }
    }

    @Test func modelSizeLimitRefusesHugeModelsBeforeAllocating() throws {
        #expect(throws: PipelineError.self) {
            try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: 10, hiddenSizes: [1 << 20, 1 << 20], classes: 1), model: "MLP", source: "x")
        }
        #expect(throws: PipelineError.self) {
            try ModelSizeLimit.check(ModelSizeLimit.gpt(vocabulary: 256, context: 1 << 30, dModel: 128, numLayers: 4, dimFeedforward: 512),
                                     model: "gpt", source: "x")
        }
        // The recipes' models are far below the limit; the count matches the built model's.
        try ModelSizeLimit.check(ModelSizeLimit.gpt(vocabulary: 65, context: 128, dModel: 128, numLayers: 4, dimFeedforward: 512), model: "gpt", source: "x")
        #expect(ModelSizeLimit.mlp(inputSize: 784, hiddenSizes: [512, 256], classes: 10)
                == Double(MLPClassifier(inputSize: 784, hiddenSizes: [512, 256], classes: 10).parameterCount))
        #expect(ModelSizeLimit.gpt(vocabulary: 65, context: 16, dModel: 32, numLayers: 2, dimFeedforward: 64)
                == Double(GPTLanguageModel(vocabularySize: 65, contextLength: 16, dModel: 32, numLayers: 2, numHeads: 4, dimFeedforward: 64).parameterCount))
        #expect(ModelSizeLimit.charLSTM(vocabulary: 65, embedding: 16, hidden: 32, layers: 2)
                == Double(CharLSTMLanguageModel(vocabularySize: 65, embeddingDim: 16, hiddenSize: 32, numLayers: 2).parameterCount))
    }
}

import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseJobs
@testable import SynapseModels

/// `ModelSummaries`: the summaries behind `synapse summary`, from architectures and from saved weights.
@Suite("ModelSummaries")
struct ModelSummariesTests {
    @Test("language-model weights: the architecture and vocabulary come from the metadata")
    func languageModelWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("summary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocabulary = try CharacterVocabulary(bytes: Array(" abcdef".utf8))
        var architecture = LanguageModelArchitecture(kind: .charLSTM, vocabularySize: vocabulary.count, context: 12)
        architecture.dModel = 8
        architecture.innerWidth = 16
        let model = try architecture.make(generator: RandomGenerator(seed: 1), source: "test")
        let weights = dir.appendingPathComponent("lm.safetensors")
        try model.save(to: weights, metadata: architecture.metadata.merging([CharacterVocabulary.metadataKey: vocabulary.metadataValue,
                                                                             "dataset": "shakespeare"]) { a, _ in a })
        let summary = try ModelSummaries.summary(weights: weights)
        #expect(summary.totalParameters == model.parameterCount)
        #expect(summary.inputShapes == [[1, 12]])
        #expect(summary.rows.first { $0.name == "lstm" }?.outputShapes.first == [1, 12, 16])

        let bare = dir.appendingPathComponent("bare.safetensors")
        try SafeTensors.save(["w": Tensor.zeros([2])], metadata: [:], to: bare)
        #expect(throws: PredictionError.self) { try ModelSummaries.summary(weights: bare) }
    }

    @Test("architectures: the image classifiers on one 28×28 image")
    func architectures() throws {
        let cnn = try ModelSummaries.summary(of: ImageClassifierArchitecture(kind: .cnn, inputShape: [1, 28, 28], classes: 10))
        #expect(cnn.totalParameters == 421_642 && cnn.inputShapes == [[1, 1, 28, 28]])
        let mlp = try ModelSummaries.summaryOfTabularMLP(inputSize: 30, hiddenSizes: [64, 32], classes: 2)
        #expect(mlp.totalParameters == 30 * 64 + 64 + 64 * 32 + 32 + 32 * 2 + 2)
    }
}

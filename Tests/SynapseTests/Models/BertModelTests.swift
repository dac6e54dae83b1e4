import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseData
@testable import SynapseModels

/// The BERT encoder against Hugging Face `transformers` on all-MiniLM-L6-v2 (fixtures from
/// scripts/make-bert-fixtures.py), its loader's errors, and its gradients.
@Suite("BertModel")
struct BertModelTests {
    static func golden() throws -> SafeTensorsArchive {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bert/minilm-golden", withExtension: "safetensors"))
        return try SafeTensorsArchive(contentsOf: url)
    }

    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// The last hidden state and pooler output of a padded batch of four sentences (token ids from
    /// Hugging Face's tokenizer) match `transformers.BertModel`. Tolerance 1e-4 absolute on hidden
    /// states of magnitude up to ~10 after six layers: float32 GEMMs summed in a different order.
    @Test func encoderMatchesTransformers() throws {
        let golden = try Self.golden()
        let model = try BertModel(directory: PretrainedModelDirectory.resolve("minilm"))
        #expect(model.pooler != nil)
        #expect(model.parameterCount == 22_713_216)
        let out = withoutGradients {
            model(inputIDs: try! golden.intTensor("input_ids"), tokenTypeIDs: try! golden.intTensor("token_type_ids"),
                  attentionMask: try! golden.intTensor("attention_mask"))
        }
        let hidden = try golden.tensor("last_hidden_state")
        #expect(out.lastHiddenState.shape == hidden.shape)
        #expect(Self.maxAbsDifference(out.lastHiddenState, hidden) < 1e-4)
        let pooled = try #require(out.pooledOutput)
        #expect(Self.maxAbsDifference(pooled, try golden.tensor("pooler_output")) < 1e-5)
    }

    /// A directory with a broken or unsupported configuration throws a typed error naming the file.
    @Test func badConfigurationsThrowTypedErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bert-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PretrainedModelError.self) { try BertModel(directory: dir) }
        let cases = [
            "{",
            #"{"vocab_size": 10, "hidden_size": 10, "num_hidden_layers": 1, "num_attention_heads": 3, "intermediate_size": 4}"#,
            #"{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4, "position_embedding_type": "relative_key"}"#,
            #"{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4, "hidden_act": "swish"}"#,
            #"{"vocab_size": -1, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4}"#,
            #"{"hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4}"#,
        ]
        for text in cases {
            try Data(text.utf8).write(to: dir.appendingPathComponent("config.json"))
            #expect(throws: PretrainedModelError.self, "\(text)") {
                _ = try BertConfig(contentsOf: dir.appendingPathComponent("config.json"))
            }
        }
        // A valid configuration whose weights lack a layer: missing keys are named.
        let config = BertConfig(vocabularySize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16,
                                maxPositionEmbeddings: 16)
        try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        var state = BertModel(config, generator: RandomGenerator(seed: 1)).stateDict()
        state = state.filter { !$0.key.hasPrefix("encoder.layer.1.") }
        try SafeTensors.save(state, to: dir.appendingPathComponent("model.safetensors"))
        do {
            _ = try BertModel(directory: dir)
            Issue.record("a checkpoint without layer 1 loaded")
        } catch {
            #expect(error.description.contains("encoder.layer.1."))
        }
        // `bert.`-prefixed names (BertForSequenceClassification) without a pooler load, with the head ignored.
        var prefixed = Dictionary(uniqueKeysWithValues: BertModel(config, withPooler: false, generator: RandomGenerator(seed: 2)).stateDict().map { ("bert." + $0.key, $0.value) })
        prefixed["classifier.weight"] = Tensor.zeros([2, 8])
        try SafeTensors.save(prefixed, to: dir.appendingPathComponent("model.safetensors"))
        let loaded = try BertModel(directory: dir)
        #expect(loaded.pooler == nil)
        #expect(!loaded.isTraining)
    }

    /// Gradients through the whole encoder (embedding output → layers, padding mask included) agree
    /// with finite differences on a tiny configuration.
    @Test func encoderGradientsMatchFiniteDifferences() {
        let config = BertConfig(vocabularySize: 11, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 12,
                                maxPositionEmbeddings: 8, hiddenDropout: 0, attentionDropout: 0)
        let model = BertModel(config, generator: RandomGenerator(seed: 3))
        let mask = Tensor(shape: [2, 1, 1, 4], scalars: [0, 0, 0, 0, 0, 0, -Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude])
        let x = GradientInputs.normal([2, 4, 8], seed: 5) * 0.5
        FiniteDifference.check("BertEncoder", [x]) { inputs in model.encoder(inputs[0], mask: mask) }
    }
}

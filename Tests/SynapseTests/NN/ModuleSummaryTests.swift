import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseModels
@testable import SynapseNN

/// `Module.summary(input:)`: rows in execution order with depth, state-dict names, output shapes
/// and parameter counts, and totals equal to PyTorch's `sum(p.numel() for p in model.parameters())`
/// for the built-in models (535818, 421642, 350593, 826433: computed once with the torch venv).
@Suite("Module.summary")
struct ModuleSummaryTests {
    @Test("MLP: Sequential children unfused, named layers.N, shapes and counts per layer, total as PyTorch's")
    func mlp() {
        let s = MLPClassifier(generator: RandomGenerator(seed: 1)).summary(input: Tensor.zeros([2, 1, 28, 28]))
        #expect(s.rows.map(\.name) == ["", "layers", "layers.0", "layers.1", "layers.2", "layers.3", "layers.4"])
        #expect(s.rows.map(\.type) == ["MLPClassifier", "Sequential", "Linear", "ReLU", "Linear", "ReLU", "Linear"])
        #expect(s.rows.map(\.depth) == [0, 1, 2, 2, 2, 2, 2])
        #expect(s.rows.map(\.outputShapes) == [[[2, 10]], [[2, 10]], [[2, 512]], [[2, 512]], [[2, 256]], [[2, 256]], [[2, 10]]])
        #expect(s.rows.map(\.parameterCount) == [535_818, 535_818, 401_920, 0, 131_328, 0, 2_570])
        #expect(s.totalParameters == 535_818 && s.trainableParameters == 535_818 && s.bufferElements == 0)
        #expect(s.inputShapes == [[2, 1, 28, 28]])
        #expect(abs(s.sizeInMegabytes - 2.143272) < 1e-9)
        let table = s.description
        #expect(table.contains("Total params: 535,818"))
        #expect(table.contains("    layers.0 (Linear)"))
        #expect(table.contains("[2, 512]"))
    }

    @Test("CNN: convolution and pooling shapes, 421642 parameters")
    func cnn() {
        let s = CNNClassifier(generator: RandomGenerator(seed: 1)).summary(input: Tensor.zeros([1, 1, 28, 28]))
        let shapes = Dictionary(uniqueKeysWithValues: s.rows.map { ($0.name, $0.outputShapes) })
        #expect(shapes["features.0"] == [[1, 32, 28, 28]])
        #expect(shapes["features.2"] == [[1, 32, 14, 14]])
        #expect(shapes["features.5"] == [[1, 64, 7, 7]])
        #expect(shapes["classifier.0"] == [[1, 128]])
        #expect(shapes[""] == [[1, 10]])
        #expect(s.rows.count == 1 + 2 + 6 + 3)
        #expect(s.totalParameters == 421_642)
        #expect(s.rows.first { $0.name == "features.3" }?.parameterCount == 18_496)
    }

    @Test("char-LSTM: the LSTM row lists output, h and c; 350593 parameters for 65 characters")
    func charLSTM() {
        let s = CharLSTMLanguageModel(vocabularySize: 65, generator: RandomGenerator(seed: 1))
            .summary(input: IntTensor(shape: [1, 16], scalars: [Int](repeating: 3, count: 16)))
        #expect(s.rows.map(\.name) == ["", "embedding", "lstm", "head"])
        #expect(s.rows.first { $0.name == "lstm" }?.outputShapes == [[1, 16, 256], [1, 1, 256], [1, 1, 256]])
        #expect(s.rows.first { $0.name == "lstm" }?.parameterCount == 329_728)
        #expect(s.rows[0].outputShapes == [[1, 16, 65]])   // the logits, what summary(input:) runs
        #expect(s.totalParameters == 350_593)
    }

    @Test("GPT: blocks named blocks.N with their layers at depth 2; 826433 parameters")
    func gpt() {
        let s = GPTLanguageModel(vocabularySize: 65, generator: RandomGenerator(seed: 1))
            .summary(input: IntTensor(shape: [1, 8], scalars: [Int](repeating: 1, count: 8)))
        #expect(s.totalParameters == 826_433)
        #expect(s.rows[0].type == "GPTLanguageModel" && s.rows[0].outputShapes == [[1, 8, 65]])
        let block = s.rows.first { $0.name == "blocks.2" }
        #expect(block?.depth == 1 && block?.parameterCount == 198_272 && block?.outputShapes == [[1, 8, 128]])
        #expect(s.rows.first { $0.name == "blocks.2.qkv" }.map { ($0.depth, $0.outputShapes) } ?? (0, []) == (2, [[1, 8, 384]]))
        #expect(s.rows.last?.name == "head")
        #expect(s.rows.filter { $0.type == "GPTBlock" }.count == 4)
    }

    @Test("training modes are restored, batch-norm statistics untouched, nothing recorded outside a summary")
    func sideEffects() {
        let bn = BatchNorm1d(4)
        let model = Sequential([Linear(3, 4, generator: RandomGenerator(seed: 2)), bn, Dropout(0.5)])
        model.train()
        bn.eval()   // a mixed state must come back as it was
        let before = bn.stateDict().mapValues(\.scalars)
        let s = model.summary(input: Tensor.uniform([5, 3], low: -1, high: 1, generator: RandomGenerator(seed: 3)))
        #expect(model.isTraining && !bn.isTraining)
        #expect(bn.stateDict().mapValues(\.scalars) == before)
        #expect(s.bufferElements == 4 + 4 + 1)
        #expect(s.rows.map(\.type) == ["Sequential", "Linear", "BatchNorm1d", "Dropout"])
        // The recorder was bound to the summary's task only (other tests may run summaries meanwhile,
        // so the global gate `isActive` can be true here; the binding cannot).
        #expect(ModuleCallRecorder.current == nil)
    }

    @Test("nested containers: Residual inside Sequential gives depths 0, 1, 2, 3")
    func nesting() {
        let g = RandomGenerator(seed: 4)
        let model = Sequential([Residual(Sequential([Linear(4, 4, generator: g), Tanh()])), Linear(4, 2, generator: g)])
        let s = model.summary(input: Tensor.zeros([1, 4]))
        #expect(s.rows.map(\.name) == ["", "0", "0.body", "0.body.0", "0.body.1", "1"])   // PyTorch's nn.Sequential names
        #expect(s.rows.map(\.type) == ["Sequential", "Residual", "Sequential", "Linear", "Tanh", "Linear"])
        #expect(s.rows.map(\.depth) == [0, 1, 2, 3, 3, 1])
    }

    @Test("attention and recurrent layers: optional and tuple outputs give their tensors' shapes")
    func attentionAndRecurrent() {
        let layer = TransformerEncoderLayer(16, 2, dimFeedforward: 32)
        let s = layer.summary(input: Tensor.zeros([5, 1, 16]))
        #expect(s.rows[0].type == "TransformerEncoderLayer" && s.rows[0].outputShapes == [[5, 1, 16]])
        let attention = s.rows.first { $0.type == "MultiheadAttention" }
        #expect(attention?.depth == 1 && attention?.outputShapes == [[5, 1, 16]])   // weights not computed: nil
        #expect(s.rows.contains { $0.type == "Linear" && $0.outputShapes == [[5, 1, 32]] })
        #expect(s.totalParameters == layer.parameterCount)
        let gru = GRU(inputSize: 3, hiddenSize: 4, numLayers: 2)
        let g = gru.summary(inputShapes: [[6, 2, 3]]) { gru(Tensor.zeros([6, 2, 3])) }
        #expect(g.rows.map(\.outputShapes) == [[[6, 2, 4], [2, 2, 4]]])
    }

    /// A user's model whose forward pass does not report itself.
    final class Custom: Module, Layer {
        let fc1 = Linear(4, 3, generator: RandomGenerator(seed: 6))
        let fc2 = Linear(3, 2, generator: RandomGenerator(seed: 7))
        func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(fc1(x))) }
    }

    /// The same model reporting its own call, as custom layers may.
    final class Reporting: Module, Layer {
        let inner = Custom()
        func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { inner(x) + inner(x) } }
    }

    @Test("custom modules: the summarised model is the first row even when it does not report itself; recordingCall opts in")
    func customModules() {
        let s = Custom().summary(input: Tensor.zeros([5, 4]))
        #expect(s.rows.map(\.name) == ["", "fc1", "fc2"] && s.rows.map(\.depth) == [0, 1, 1])
        #expect(s.rows[0].type == "Custom" && s.rows[0].outputShapes == [[5, 2]] && s.totalParameters == 23)
        let r = Sequential([Reporting()]).summary(input: Tensor.zeros([1, 4]))
        // A module called twice gets a row per call (torchinfo lists repeated calls too).
        #expect(r.rows.map(\.name) == ["", "0", "0.inner.fc1", "0.inner.fc2", "0.inner.fc1", "0.inner.fc2"])
        #expect(r.rows.map(\.depth) == [0, 1, 2, 2, 2, 2])
    }

    @Test("JSON: snake_case keys, size_mb included, decodes back to the same rows and totals")
    func json() throws {
        let s = MLPClassifier(inputSize: 4, hiddenSizes: [3], classes: 2, generator: RandomGenerator(seed: 5)).summary(input: Tensor.zeros([1, 4]))
        let data = try JSONEncoder().encode(s)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["total_parameters"] as? Int == 4 * 3 + 3 + 3 * 2 + 2)
        #expect(object["size_mb"] != nil)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers[2]["output_shapes"] as? [[Int]] == [[1, 3]] && layers[2]["parameters"] as? Int == 15)
        #expect(try JSONDecoder().decode(ModuleSummary.self, from: data) == s)
    }
}

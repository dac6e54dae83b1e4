import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseONNX

/// Models exported by PyTorch's `torch.onnx.export` run in Synapse and give PyTorch's outputs.
@Suite struct ONNXImportFixtureTests {
    /// Every fixture: the stored inputs through the imported graph match PyTorch's stored outputs
    /// within 1e-4 relative (+1e-5 absolute for values near zero).
    @Test(arguments: ["mlp", "mlp_dynamo", "activations", "cnn", "cnn_dynamo", "convmix", "lstm", "gru", "rnn", "transformer", "embedding", "birnn", "gpt", "mixed"])
    func outputsMatchPyTorch(_ name: String) throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("\(name).onnx"))
        model.eval()
        let stored = try SafeTensorsArchive(contentsOf: try onnxFixture("\(name).safetensors"))
        let inputs = try model.inputNames.map { try stored.tensor($0) }
        let outputs = try model.run(inputs)
        #expect(outputs.count == model.outputNames.count)
        for (name, actual) in zip(model.outputNames, outputs) {
            let expected = try stored.tensor(name)
            let (ok, worst) = onnxClose(actual, expected)
            #expect(ok, "\(name): output \(actual.shape) vs PyTorch \(expected.shape), largest difference \(worst)")
        }
    }

    /// The batch axis is dynamic: the exported Transformer runs on another batch size, row by row as on one.
    @Test func dynamicBatchAxis() throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("transformer.onnx"))
        let x = Tensor.randn([5, 5, 8], generator: RandomGenerator(seed: 3))
        let all = model(x)
        #expect(all.shape == [5, 5, 3])
        let second = model(x.slice(dim: 0, start: 1, end: 2))
        #expect(onnxClose(all.slice(dim: 0, start: 1, end: 2), second).ok)
    }

    /// Initializers become parameters named by PyTorch's state-dict keys.
    @Test func parametersAreNamedByStateDictKeys() throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("mlp.onnx"))
        #expect(model.namedParameters().map(\.0) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(model.namedParameters().map(\.1.shape) == [[16, 8], [16], [4, 16], [4]])
        #expect(model.parameterCount == 16 * 8 + 16 + 4 * 16 + 4)
        #expect(Set(model.stateDict().keys) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(model.inputNames == ["input"] && model.outputNames == ["output"] && model.opsetVersion == 17)
    }

    /// A state dict loads into the imported model by those names and changes what it computes.
    @Test func stateDictLoadsIntoTheImportedModel() throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("mlp.onnx"))
        var state = model.stateDict()
        state["fc2.bias"] = Tensor([1, 2, 3, 4])
        state["fc2.weight"] = Tensor.zeros([4, 16])
        _ = try model.loadStateDict(state)
        let y = model(Tensor.randn([2, 8], generator: RandomGenerator(seed: 1)))
        #expect(y.scalars == [1, 2, 3, 4, 1, 2, 3, 4])
    }

    /// Integer inputs (token ids) are given as whole-number floats and must be integral.
    @Test func integerInputsMustBeWholeNumbers() throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("embedding.onnx"))
        #expect(throws: ONNXError.self) { try model.run([Tensor([[0.5, 1, 2, 3, 4, 5, 6]])]) }
        #expect(throws: ONNXError.self) { try model.run([Tensor([[0, 25, 2, 3, 4, 5, 6]])]) }   // beyond the 20 embeddings
        #expect(throws: ONNXError.self) { try model.run([Tensor([[0, 1, 2]])]) }               // the graph declares 7 tokens
        #expect(try model.run([Tensor([[0, 19, 2, 3, 4, 5, 6]])])[0].shape == [1, 4])
    }

    /// An input of the wrong shape is a thrown error naming the declared shape, not a trap.
    @Test func wrongInputShapeThrows() throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("cnn.onnx"))
        #expect(throws: ONNXError.self) { try model.run([Tensor.zeros([2, 3, 8, 8])]) }
        #expect(throws: ONNXError.self) { try model.run([Tensor.zeros([2, 8])]) }
        #expect(throws: ONNXError.self) { try model(["images": Tensor.zeros([1, 1, 8, 8])]) }
    }
}

import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseModels
@testable import SynapseONNX

/// The structure of exported graphs, without running them (no Python needed).
@Suite struct ONNXExportGraphTests {
    /// A module with no ONNX conversion.
    final class Unexportable: Module, Layer {
        func callAsFunction(_ x: Tensor) -> Tensor { x }
    }

    func decoded(_ model: Module, inputShape: [Int], dynamicBatch: Bool = true) throws -> Onnx_ModelProto {
        let data = try ONNXExporter.encodedModel(model, inputShape: inputShape, dynamicBatch: dynamicBatch, producerVersion: "1.2.3")
        return try ONNXModelFile.decode(data, path: "memory")
    }

    func dims(_ info: Onnx_ValueInfoProto) -> [String] {
        info.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? String($0.dimValue) : $0.dimParam }
    }

    @Test func mlpBecomesGemmsWithStateDictInitializersAndADynamicBatch() throws {
        let model = MLPClassifier(inputSize: 12, hiddenSizes: [8, 6], classes: 3, generator: RandomGenerator(seed: 1))
        let proto = try decoded(model, inputShape: [4, 1, 3, 4])
        #expect(proto.irVersion == ONNXVersions.exportIRVersion)
        #expect(ONNXModelFile.defaultOpsetVersion(of: proto) == ONNXVersions.exportOpset)
        #expect(proto.producerName == "Synapse")
        #expect(proto.producerVersion == "1.2.3")
        #expect(!proto.graph.docString.isEmpty)
        #expect(proto.graph.node.map(\.opType) == ["Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"])
        #expect(Set(proto.graph.initializer.map(\.name)) == Set(model.stateDict().keys))
        for initializer in proto.graph.initializer {
            #expect(try initializer.decodedValues().tensor.scalars == model.stateDict()[initializer.name]!.scalars)
        }
        #expect(proto.graph.input.map(\.name) == ["input"])
        #expect(proto.graph.output.map(\.name) == ["output"])
        #expect(dims(proto.graph.input[0]) == ["batch", "1", "3", "4"])
        #expect(dims(proto.graph.output[0]) == ["batch", "3"])
        #expect(proto.graph.input[0].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue))
    }

    @Test func staticBatchKeepsTheExampleBatch() throws {
        let proto = try decoded(Linear(5, 2, generator: RandomGenerator(seed: 2)), inputShape: [7, 5], dynamicBatch: false)
        #expect(dims(proto.graph.input[0]) == ["7", "5"])
        #expect(dims(proto.graph.output[0]) == ["7", "2"])
    }

    @Test func cnnOpsAndInitializers() throws {
        let model = CNNClassifier(channels: 1, size: 8, classes: 3, generator: RandomGenerator(seed: 3))
        let proto = try decoded(model, inputShape: [1, 1, 8, 8])
        #expect(proto.graph.node.map(\.opType) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"])
        #expect(Set(proto.graph.initializer.map(\.name)) == Set(model.stateDict().keys))
        #expect(dims(proto.graph.output[0]) == ["batch", "3"])
    }

    @Test func batchNormExportsRunningStatisticsNotTheBatchCounter() throws {
        let model = Sequential([Conv2d(2, 3, kernelSize: 3, generator: RandomGenerator(seed: 4)), BatchNorm2d(3)])
        let proto = try decoded(model, inputShape: [1, 2, 5, 5])
        #expect(proto.graph.node.map(\.opType) == ["Conv", "BatchNormalization"])
        #expect(Set(proto.graph.initializer.map(\.name))
                == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"])
    }

    @Test func languageModelsTakeInt64TokenIds() throws {
        let gpt = GPTLanguageModel(vocabularySize: 11, contextLength: 8, dModel: 8, numLayers: 1, numHeads: 2, dimFeedforward: 16,
                                   generator: RandomGenerator(seed: 5))
        let proto = try decoded(gpt, inputShape: [1, 8])
        #expect(proto.graph.input[0].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.int64.rawValue))
        #expect(dims(proto.graph.output[0]) == ["batch", "8", "11"])
        #expect(proto.graph.node.first?.opType == "Gather")
        #expect(proto.graph.node.contains { $0.opType == "LayerNormalization" })
        let lstm = CharLSTMLanguageModel(vocabularySize: 11, embeddingDim: 4, hiddenSize: 6, generator: RandomGenerator(seed: 6))
        let lstmProto = try decoded(lstm, inputShape: [1, 5])
        #expect(lstmProto.graph.node.filter { $0.opType == "LSTM" }.count == 1)
        #expect(lstmProto.graph.initializer.map(\.name).contains("lstm.W_l0"))
    }

    @Test func unsupportedModuleIsNamedWithItsPath() {
        let model = Sequential([Linear(3, 3), Unexportable()])
        #expect(throws: ONNXError.unsupportedModule(type: "Unexportable", path: "1")) {
            _ = try ONNXExporter.encodedModel(model, inputShape: [1, 3])
        }
        #expect(throws: ONNXError.unsupportedModule(type: "Unexportable", path: "")) {
            _ = try ONNXExporter.encodedModel(Unexportable(), inputShape: [1, 3])
        }
    }

    @Test func shapeMismatchIsAnInvalidGraphNamingTheLayer() {
        do {
            _ = try ONNXExporter.encodedModel(Linear(4, 2), inputShape: [1, 5])
            Issue.record("expected an error")
        } catch {
            guard case .invalidGraph(let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reason.contains("Linear(4 → 2)"))
        }
    }

    /// Configurations ONNX inference cannot express are refused with the layer named, not exported wrong.
    @Test(arguments: ["BatchNorm2d(3)", "AdaptiveAvgPool2d(3×3)", "Conv2d", "LSTM(4, 5)"])
    func inexpressibleConfigurationsAreInvalidGraphs(name: String) {
        // Modules are not Sendable, so each argument names the case built here.
        let (module, shape): (Module, [Int]) = switch name {
        case "BatchNorm2d(3)": (BatchNorm2d(3, trackRunningStats: false), [1, 3, 4, 4])      // batch statistics only
        case "AdaptiveAvgPool2d(3×3)": (AdaptiveAvgPool2d(3), [1, 2, 8, 8])                 // uneven windows
        case "Conv2d": (Conv2d(3, 4, kernelSize: 3), [1, 2, 8, 8])                          // wrong channel count
        default: (LSTM(4, 5), [6, 4])                                                       // unbatched sequence
        }
        do {
            _ = try ONNXExporter.encodedModel(module, inputShape: shape)
            Issue.record("expected an error for \(name)")
        } catch {
            guard case .invalidGraph(let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reason.contains(name), "\(reason)")
        }
    }

    @Test func exportWritesAFileThatDecodesToTheSameModel() throws {
        let model = Sequential([Linear(4, 3, generator: RandomGenerator(seed: 7)), Tanh()])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ONNXExporter.export(model, inputShape: [2, 4], to: path)
        let fromFile = try ONNXModelFile.read(at: path)
        let fromMemory = try ONNXModelFile.decode(try ONNXExporter.encodedModel(model, inputShape: [2, 4]), path: "memory")
        #expect(fromFile == fromMemory)
        #expect(fromFile.graph.node.map(\.opType) == ["Gemm", "Tanh"])
    }

    @Test func exportBelowARegularFileIsATypedError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-directory-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let path = file.appendingPathComponent("model.onnx").path
        do {
            try ONNXExporter.export(Linear(2, 2), inputShape: [1, 2], to: path)
            Issue.record("expected an error")
        } catch {
            guard case .unreadable(let reported, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reported == path)
        }
    }

    @Test func identityModelStillProducesTheNamedOutput() throws {
        let proto = try decoded(Dropout(p: 0.5), inputShape: [2, 3])
        #expect(proto.graph.node.map(\.opType) == ["Identity"])
        #expect(proto.graph.node[0].input == ["input"])
        #expect(proto.graph.node[0].output == ["output"])
    }
}

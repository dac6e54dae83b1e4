import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO

/// The ONNX file layer: protobuf decoding with typed errors, tensor decoding for every stored form,
/// and `synapse inspect`'s view of a model.
@Suite struct ONNXModelFileTests {
    /// A one-node model (`Y = X · W`) with an extra int64 initializer, in opset 17.
    private func sampleModel() -> Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "test"
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        var graph = Onnx_GraphProto()
        graph.name = "g"
        graph.initializer = [
            Onnx_TensorProto(name: "W", tensor: Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])),
            Onnx_TensorProto(name: "shape", int64s: [3, -1], shape: [2]),
        ]
        var input = Onnx_ValueInfoProto()
        input.name = "X"
        input.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        var two = Onnx_TensorShapeProto.Dimension()
        two.dimValue = 2
        input.type.tensorType.shape.dim = [batch, two]
        graph.input = [input]
        var output = Onnx_ValueInfoProto()
        output.name = "Y"
        graph.output = [output]
        var node = Onnx_NodeProto()
        node.opType = "MatMul"
        node.input = ["X", "W"]
        node.output = ["Y"]
        graph.node = [node]
        model.graph = graph
        return model
    }

    private func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("synapse-onnx-\(UUID().uuidString)-\(name)")
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let url = temporaryFile("m.onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        try ONNXModelFile.write(sampleModel(), to: url.path)
        let model = try ONNXModelFile.read(at: url.path)
        #expect(model == sampleModel())
        #expect(ONNXModelFile.defaultOpsetVersion(of: model) == 17)
        let weight = try model.graph.initializer[0].decodedValues()
        #expect(weight.shape == [2, 3])
        #expect(weight.tensor.scalars == [1, 2, 3, 4, 5, 6])
        #expect(try model.graph.initializer[1].decodedValues().integers == [3, -1])
    }

    @Test func decodesEveryStoredForm() throws {
        var half = Onnx_TensorProto()
        half.name = "h"
        half.dims = [3]
        half.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        half.int32Data = [0x3C00, 0xC000, 0x3800]   // 1, -2, 0.5
        #expect(try half.decodedValues().floats == [1, -2, 0.5])

        var brain = Onnx_TensorProto()
        brain.dims = [2]
        brain.dataType = Int32(Onnx_TensorProto.DataType.bfloat16.rawValue)
        brain.rawData = Data([0x80, 0x3F, 0x40, 0xC0])   // 1, -3 as little-endian bfloat16
        #expect(try brain.decodedValues().floats == [1, -3])

        var double = Onnx_TensorProto()
        double.dims = [1, 2]
        double.dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        double.doubleData = [0.25, -8]
        #expect(try double.decodedValues().floats == [0.25, -8])

        var flags = Onnx_TensorProto()
        flags.dims = [3]
        flags.dataType = Int32(Onnx_TensorProto.DataType.bool.rawValue)
        flags.rawData = Data([0, 1, 7])
        #expect(try flags.decodedValues().integers == [0, 1, 1])

        var scalar = Onnx_TensorProto()
        scalar.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        scalar.floatData = [2.5]
        let values = try scalar.decodedValues()
        #expect(values.shape == [] && values.tensor.scalars == [2.5])
    }

    @Test func refusesTensorsThatDisagreeWithTheirShape() {
        var short = Onnx_TensorProto(name: "w", tensor: Tensor(shape: [4], scalars: [1, 2, 3, 4]))
        short.dims = [5]
        #expect(throws: ONNXError.self) { try short.decodedValues() }

        var odd = Onnx_TensorProto(name: "w", tensor: Tensor(shape: [1], scalars: [1]))
        odd.rawData = Data([1, 2, 3])
        #expect(throws: ONNXError.self) { try odd.decodedValues() }

        var huge = Onnx_TensorProto(name: "w", tensor: Tensor(shape: [1], scalars: [1]))
        huge.dims = [1 << 40, 1 << 40]
        #expect(throws: ONNXError.self) { try huge.decodedValues() }

        var negative = huge
        negative.dims = [-1]
        #expect(throws: ONNXError.self) { try negative.decodedValues() }

        var external = Onnx_TensorProto(name: "w", tensor: Tensor(shape: [1], scalars: [1]))
        external.dataLocation = .external
        #expect {
            try external.decodedValues()
        } throws: { error in
            (error as? ONNXError)?.description.contains("external data") == true
        }

        var strings = Onnx_TensorProto()
        strings.dataType = Int32(Onnx_TensorProto.DataType.string.rawValue)
        #expect(throws: ONNXError.self) { try strings.decodedValues() }
    }

    @Test func refusesFilesThatAreNotModels() throws {
        let url = temporaryFile("bad.onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        let good = try sampleModel().serializedData()
        for bytes in [Data(), Data("not a model".utf8), good.prefix(good.count / 2), Data(repeating: 0xFF, count: 64)] {
            try bytes.write(to: url)
            #expect(throws: ONNXError.self) { try ONNXModelFile.read(at: url.path) }
        }
        var graphless = sampleModel()
        graphless.clearGraph()
        try graphless.serializedData().write(to: url)
        #expect(throws: ONNXError.malformed(path: url.path, reason: "no graph (ModelProto.graph is missing)")) {
            try ONNXModelFile.read(at: url.path)
        }
        #expect(throws: ONNXError.self) { try ONNXModelFile.read(at: FileManager.default.temporaryDirectory.path) }
        #expect(throws: ONNXError.self) { try ONNXModelFile.read(at: url.path + ".missing") }
    }

    @Test func inspectionListsInitializersAndDescribesTheGraph() throws {
        let url = temporaryFile("m.onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        try ONNXModelFile.write(sampleModel(), to: url.path)
        let inspection = try TensorFileInspection(contentsOf: url)
        #expect(inspection.format == .onnx)
        #expect(inspection.tensors == [.init(name: "W", dtype: "float", shape: [2, 3]), .init(name: "shape", dtype: "int64", shape: [2])])
        #expect(inspection.metadata["opset"] == "ai.onnx 17")
        #expect(inspection.metadata["inputs"] == "X: float[batch, 2]")
        #expect(inspection.metadata["operators"] == "MatMul×1")
        #expect(inspection.metadata["producer"] == "test")
    }
}

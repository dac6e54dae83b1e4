import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseONNX

/// A one-input graph of `nodes` over float input `x` [2, 3] with output `y`, for validation tests.
private func graphModel(_ nodes: [Onnx_NodeProto], opset: Int64 = 17, initializers: [Onnx_TensorProto] = [], output: String = "y") -> Onnx_ModelProto {
    var model = Onnx_ModelProto()
    model.irVersion = 8
    var opsetID = Onnx_OperatorSetIdProto()
    opsetID.version = opset
    model.opsetImport = [opsetID]
    var graph = Onnx_GraphProto()
    var input = Onnx_ValueInfoProto()
    input.name = "x"
    graph.input = [input]
    var out = Onnx_ValueInfoProto()
    out.name = output
    graph.output = [out]
    graph.node = nodes
    graph.initializer = initializers
    model.graph = graph
    return model
}

/// A node of `op` from `inputs` to `outputs`.
private func node(_ op: String, _ inputs: [String], _ outputs: [String], domain: String = "", attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
    var n = Onnx_NodeProto()
    n.opType = op
    n.input = inputs
    n.output = outputs
    n.domain = domain
    n.attribute = attributes
    return n
}

/// An integer attribute.
private func intAttribute(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .int
    a.i = value
    return a
}

/// Bad graphs are refused at load with typed errors that say what is wrong.
@Suite struct ONNXImportValidationTests {
    /// Every unsupported operator is listed once, in order of appearance, domains included.
    @Test func unsupportedOperatorsAreListedTogether() throws {
        let model = graphModel([node("Foo", ["x"], ["a"]), node("Relu", ["a"], ["b"]), node("Bar", ["b"], ["c"]),
                                node("Foo", ["c"], ["d"]), node("Relu", ["d"], ["y"], domain: "com.example")])
        #expect(throws: ONNXError.unsupportedOperators(["Foo", "Bar", "com.example::Relu"])) {
            try ONNXModel(model: model, source: "test.onnx")
        }
    }

    /// Opsets outside `ONNXVersions.importOpsets` are refused, naming the range.
    @Test func opsetOutsideTheRangeIsRefused() throws {
        for opset: Int64 in [11, 22] {
            let error = #expect(throws: ONNXError.self) { try ONNXModel(model: graphModel([node("Relu", ["x"], ["y"])], opset: opset), source: "old.onnx") }
            #expect(error?.description.contains("opset \(opset)") == true)
            #expect(error?.description.contains("13–21") == true)
        }
        #expect(throws: Never.self) { try ONNXModel(model: graphModel([node("Relu", ["x"], ["y"])], opset: 13), source: "ok.onnx") }
    }

    /// Inputs never produced, cycles, duplicate producers and missing outputs.
    @Test func structuralProblemsAreRefused() throws {
        let missing = #expect(throws: ONNXError.self) { try ONNXModel(model: graphModel([node("Add", ["x", "w"], ["y"])]), source: "m") }
        #expect(missing?.description.contains("'w' is not produced") == true)
        let cycle = #expect(throws: ONNXError.self) {
            try ONNXModel(model: graphModel([node("Add", ["x", "b"], ["a"]), node("Relu", ["a"], ["b"]), node("Relu", ["b"], ["y"])]), source: "m")
        }
        #expect(cycle?.description.contains("cycle") == true)
        #expect(throws: ONNXError.self) { try ONNXModel(model: graphModel([node("Relu", ["x"], ["y"]), node("Relu", ["x"], ["y"])]), source: "m") }
        #expect(throws: ONNXError.self) { try ONNXModel(model: graphModel([node("Relu", ["x"], ["z"])]), source: "m") }
    }

    /// Several inputs and outputs by name: `y = x + z`, `w = x·z`.
    @Test func multipleInputsAndOutputsByName() throws {
        var model = graphModel([node("Add", ["x", "z"], ["y"]), node("Mul", ["x", "z"], ["w"])])
        var z = Onnx_ValueInfoProto()
        z.name = "z"
        model.graph.input.append(z)
        var w = Onnx_ValueInfoProto()
        w.name = "w"
        model.graph.output.append(w)
        let imported = try ONNXModel(model: model, source: "m")
        #expect(imported.inputNames == ["x", "z"] && imported.outputNames == ["y", "w"])
        let outputs = try imported(["x": Tensor([1, 2]), "z": Tensor([[10], [20]])])
        #expect(outputs["y"]?.shape == [2, 2] && outputs["y"]?.scalars == [11, 12, 21, 22])
        #expect(outputs["w"]?.scalars == [10, 20, 20, 40])
        #expect(throws: ONNXError.self) { try imported(["x": Tensor([1, 2])]) }
        #expect(throws: ONNXError.self) { try imported(["x": Tensor([1, 2]), "z": Tensor([1, 2, 3])]) }   // no broadcast
    }

    /// Nodes out of order in the file run in dependency order.
    @Test func nodesAreSortedTopologically() throws {
        let model = try ONNXModel(model: graphModel([node("Neg", ["a"], ["y"]), node("Relu", ["x"], ["a"])]), source: "m")
        #expect(model(Tensor([-1, 2])).scalars == [0, -2])
    }

    /// Shape problems found while running are thrown, not trapped: a Reshape to a wrong size, an axis
    /// out of range, a huge ConstantOfShape.
    @Test func runtimeShapeProblemsThrow() throws {
        let shape = Onnx_TensorProto(name: "shape", int64s: [4, 4], shape: [2])
        let reshape = try ONNXModel(model: graphModel([node("Reshape", ["x", "shape"], ["y"])], initializers: [shape]), source: "m")
        #expect(throws: ONNXError.self) { try reshape.run([Tensor.zeros([2, 3])]) }
        #expect(try reshape.run([Tensor.zeros([2, 8])])[0].shape == [4, 4])

        let softmax = try ONNXModel(model: graphModel([node("Softmax", ["x"], ["y"], attributes: [intAttribute("axis", 5)])]), source: "m")
        #expect(throws: ONNXError.self) { try softmax.run([Tensor.zeros([2, 3])]) }

        let huge = Onnx_TensorProto(name: "shape", int64s: [1 << 20, 1 << 20], shape: [2])
        let fill = try ONNXModel(model: graphModel([node("ConstantOfShape", ["shape"], ["c"]), node("Add", ["x", "c"], ["y"])], initializers: [huge]), source: "m")
        #expect(throws: ONNXError.self) { try fill.run([Tensor.zeros([1])]) }
    }

    /// Integer shape chains stay exact: Shape → Gather → Unsqueeze → Concat → Reshape.
    @Test func shapeChainsAreExact() throws {
        let zero = Onnx_TensorProto(name: "zero", int64s: [0], shape: [])
        let axes = Onnx_TensorProto(name: "axes", int64s: [0], shape: [1])
        let minusOne = Onnx_TensorProto(name: "minus_one", int64s: [-1], shape: [1])
        let model = try ONNXModel(model: graphModel([
            node("Shape", ["x"], ["s"]), node("Gather", ["s", "zero"], ["n"]), node("Unsqueeze", ["n", "axes"], ["n1"]),
            node("Concat", ["n1", "minus_one"], ["target"], attributes: [intAttribute("axis", 0)]), node("Reshape", ["x", "target"], ["y"]),
        ], initializers: [zero, axes, minusOne]), source: "m")
        let y = try model.run([Tensor.randn([3, 2, 5])])[0]
        #expect(y.shape == [3, 10])
    }

    /// Damaged bytes are a typed error.
    @Test func damagedFilesAreRefused() throws {
        let bytes = try Data(contentsOf: try onnxFixture("mlp.onnx"))
        #expect(throws: ONNXError.self) { try ONNXModel(data: bytes.prefix(bytes.count / 2), name: "half.onnx") }
        #expect(throws: ONNXError.self) { try ONNXModel(data: Data(), name: "empty.onnx") }
        #expect(throws: ONNXError.self) { try ONNXModel(contentsOf: "/nonexistent/model.onnx") }
    }
}

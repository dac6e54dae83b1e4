import Foundation
import SynapseIO
import SynapseNN

/// One input of an exported graph.
public struct ONNXExportInput: Sendable, Equatable {
    /// The graph input's name.
    public var name: String
    /// The shape of an example input; the batch axis becomes dynamic when exporting with `dynamicBatch`.
    public var shape: [Int]
    /// The element type (`.int64` for token ids).
    public var elementType: ONNXElementType
    /// The axis that holds the batch (1 for sequence-first recurrent input), or nil for inputs without
    /// one (an attention mask).
    public var batchAxis: Int?

    /// Describes an input.
    public init(name: String, shape: [Int], elementType: ONNXElementType = .float, batchAxis: Int? = 0) {
        self.name = name
        self.shape = shape
        self.elementType = elementType
        self.batchAxis = batchAxis
    }
}

/// Exports Synapse modules to ONNX files (opset `ONNXVersions.exportOpset`, IR `ONNXVersions.exportIRVersion`).
///
/// The graph always computes the module's evaluation-mode forward pass (dropout is the identity,
/// batch norm uses its running statistics), whatever mode the module is in. Initializers carry the
/// module's state-dict names. See docs/onnx.md for the modules covered and the ops they become.
public enum ONNXExporter {
    /// The dimension name of the dynamic batch axis on inputs and outputs.
    public static let batchDimensionName = "batch"

    /// Exports `model` taking one input of `inputShape` (batch first) to the file `path` (written
    /// atomically). Integer models (the language models) get an int64 input.
    public static func export(_ model: Module, inputShape: [Int], inputName: String = "input", outputName: String = "output",
                              dynamicBatch: Bool = true, producerVersion: String = "", to path: String) throws(ONNXError) {
        let model = try modelProto(model, inputs: [defaultInput(model, inputShape: inputShape, name: inputName)],
                                   outputNames: [outputName], dynamicBatch: dynamicBatch, producerVersion: producerVersion)
        try ONNXModelFile.write(model, to: path)
    }

    /// The encoded ONNX model (the bytes `export(_:inputShape:...to:)` writes).
    public static func encodedModel(_ model: Module, inputShape: [Int], inputName: String = "input", outputName: String = "output",
                                    dynamicBatch: Bool = true, producerVersion: String = "") throws(ONNXError) -> Data {
        try encodedModel(model, inputs: [defaultInput(model, inputShape: inputShape, name: inputName)],
                         outputNames: [outputName], dynamicBatch: dynamicBatch, producerVersion: producerVersion)
    }

    /// Exports `model` with several inputs (attention's query, key, value and mask) to `path`.
    /// Outputs are named `outputNames` in order; outputs beyond them are named `output_1`, `output_2`, ...
    public static func export(_ model: Module, inputs: [ONNXExportInput], outputNames: [String] = ["output"],
                              dynamicBatch: Bool = true, producerVersion: String = "", to path: String) throws(ONNXError) {
        let model = try modelProto(model, inputs: inputs, outputNames: outputNames, dynamicBatch: dynamicBatch,
                                   producerVersion: producerVersion)
        try ONNXModelFile.write(model, to: path)
    }

    /// The encoded ONNX model for several inputs.
    public static func encodedModel(_ model: Module, inputs: [ONNXExportInput], outputNames: [String] = ["output"],
                                    dynamicBatch: Bool = true, producerVersion: String = "") throws(ONNXError) -> Data {
        let proto = try modelProto(model, inputs: inputs, outputNames: outputNames, dynamicBatch: dynamicBatch,
                                   producerVersion: producerVersion)
        do {
            return try proto.serializedData()
        } catch {
            throw .malformed(path: "(export)", reason: "protobuf encoding failed (\(error))")
        }
    }

    private static func defaultInput(_ model: Module, inputShape: [Int], name: String) -> ONNXExportInput {
        ONNXExportInput(name: name, shape: inputShape, elementType: (model as? any ONNXExportable)?.onnxInputElementType ?? .float)
    }

    /// Builds the `ModelProto` of `model`.
    package static func modelProto(_ model: Module, inputs: [ONNXExportInput], outputNames: [String], dynamicBatch: Bool,
                                   producerVersion: String) throws(ONNXError) -> Onnx_ModelProto {
        guard !inputs.isEmpty else { throw .invalidGraph(reason: "export needs at least one input") }
        for input in inputs {
            guard input.shape.allSatisfy({ $0 > 0 }) else {
                throw .invalidGraph(reason: "input '\(input.name)' has shape \(input.shape); every dimension must be positive")
            }
            if let axis = input.batchAxis, !input.shape.indices.contains(axis) {
                throw .invalidGraph(reason: "input '\(input.name)' of shape \(input.shape) has no batch axis \(axis)")
            }
        }
        guard Set(inputs.map(\.name)).count == inputs.count else {
            throw .invalidGraph(reason: "input names \(inputs.map(\.name)) are not unique")
        }
        let graph = ONNXGraphBuilder()
        let values = inputs.map { input in
            var shape = input.shape.map { Optional($0) }
            if dynamicBatch, let axis = input.batchAxis { shape[axis] = nil }
            return graph.addGraphInput(input.name, shape: shape, elementType: input.elementType)
        }
        let results = try graph.export(model, values, path: "")
        guard !results.isEmpty else { throw .invalidGraph(reason: "\(type(of: model)) exported no output") }
        let outputs = results.enumerated().map { i, value in
            graph.bindOutput(value, to: i < outputNames.count ? outputNames[i] : "output_\(i)")
        }

        var g = Onnx_GraphProto()
        g.name = String(describing: type(of: model))
        g.docString = "\(type(of: model)) exported by Synapse (evaluation-mode forward pass)"
        g.node = graph.nodes
        g.initializer = graph.initializers
        g.input = values.map(valueInfo)
        g.output = outputs.map(valueInfo)

        var m = Onnx_ModelProto()
        m.irVersion = ONNXVersions.exportIRVersion
        m.producerName = "Synapse"
        m.producerVersion = producerVersion
        m.graph = g
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = ONNXVersions.exportOpset
        m.opsetImport = [opset]
        return m
    }

    /// The declared type and shape of a graph input or output (`dim_param "batch"` where dynamic).
    private static func valueInfo(_ value: ONNXValue) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = value.elementType.dataType
        var shape = Onnx_TensorShapeProto()
        shape.dim = value.shape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = batchDimensionName }
            return dim
        }
        tensorType.shape = shape
        var info = Onnx_ValueInfoProto()
        info.name = value.name
        info.type.tensorType = tensorType
        return info
    }
}

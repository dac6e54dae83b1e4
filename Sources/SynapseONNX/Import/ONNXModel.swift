import Foundation
import SynapseCore
import SynapseIO
import SynapseNN

/// A model loaded from an ONNX file: its graph runs on Synapse's differentiable ops, so it predicts,
/// evaluates and fine-tunes like any `Module`.
///
/// The graph is checked when it loads (the opset is in `ONNXVersions.importOpsets`, every node input
/// is produced, no cycles, every operator implemented — all unsupported ones listed in one
/// `ONNXError.unsupportedOperators`). Float initializers become `Parameter`s named as in the file:
/// PyTorch's exporter names them by state-dict keys (`fc1.weight`), so `stateDict()`, `load(from:)` and
/// `loadPyTorch(from:)` match a PyTorch checkpoint of the same model; BatchNormalization's running
/// mean and variance become buffers. Integer initializers (shapes, indices) stay constants.
///
/// ```swift
/// let model = try ONNXModel(contentsOf: "cnn.onnx")
/// model.eval()
/// let logits = model(images)                          // one input, one output
/// let outputs = try model(["input": images])          // by name, every output
/// ```
public final class ONNXModel: Module, Layer {
    /// The file (or the name given for in-memory data) the model came from, for messages.
    public let source: String
    /// The names of the inputs the caller feeds, in the graph's order.
    public let inputNames: [String]
    /// The names of the graph's outputs, in order.
    public let outputNames: [String]
    /// The default-domain opset the graph imports.
    public let opsetVersion: Int64

    private let plan: ONNXGraphPlan
    private let parameterTable: [(String, Parameter)]
    private let bufferTable: [(String, Buffer)]
    private let constants: [String: ONNXImportValue]

    /// Loads the ONNX model in the file at `path`.
    public convenience init(contentsOf path: String) throws(ONNXError) {
        try self.init(model: try ONNXModelFile.read(at: path), source: path)
    }

    /// Loads the ONNX model in the file at `url`.
    public convenience init(contentsOf url: URL) throws(ONNXError) {
        try self.init(contentsOf: url.path)
    }

    /// Loads an ONNX model from serialized bytes; `name` stands for the source in error messages.
    public convenience init(data: Data, name: String = "ONNX data") throws(ONNXError) {
        try self.init(model: try ONNXModelFile.decode(data, path: name), source: name)
    }

    package init(model: Onnx_ModelProto, source: String) throws(ONNXError) {
        let plan = try ONNXGraphPlan(model, path: source)
        // Running statistics feed BatchNormalization as inputs 3 and 4: buffers, not parameters.
        var statistics = Set<String>()
        for node in plan.nodes where node.op == "BatchNormalization" {
            for i in [3, 4] where i < node.proto.input.count { statistics.insert(node.proto.input[i]) }
        }
        var parameters: [(String, Parameter)] = [], buffers: [(String, Buffer)] = [], constants: [String: ONNXImportValue] = [:]
        for values in plan.initializers {
            if values.integers != nil { constants[values.name] = ONNXImportValue(values) }
            else if statistics.contains(values.name) { buffers.append((values.name, Buffer(values.tensor))) }
            else { parameters.append((values.name, Parameter(values.tensor))) }
        }
        self.plan = plan
        self.source = source
        self.inputNames = plan.inputs
        self.outputNames = plan.outputs
        self.opsetVersion = plan.opset
        self.parameterTable = parameters
        self.bufferTable = buffers
        self.constants = constants
        super.init()
    }

    /// The declared shape of each input (nil for symbolic dimensions such as the batch axis; no
    /// entry where the file declares none), for callers that build example inputs.
    public var declaredInputShapes: [String: [Int?]] { plan.inputShapes }

    /// The float initializers, named as in the file (PyTorch's state-dict keys for its exports).
    public override func namedLocalParameters() -> [(String, Parameter)] { parameterTable }

    /// BatchNormalization running statistics, named as in the file.
    public override func namedLocalBuffers() -> [(String, Buffer)] { bufferTable }

    /// None: the graph is one module.
    public override func namedChildren() -> [(String, Module)] { [] }

    /// Inputs, outputs and the parameter count, as `print(model)` shows them.
    public override var extraDescription: String {
        "\(inputNames.joined(separator: ", ")) → \(outputNames.joined(separator: ", ")), opset \(opsetVersion), \(plan.nodes.count) nodes"
    }

    /// Runs the graph on its single input and returns its first output. A graph with several inputs
    /// needs `callAsFunction(_: [String: Tensor])`; an input the graph cannot take (wrong rank or
    /// size) stops with the importer's message, as a shape error in any layer does — use `run` to
    /// get it as a thrown error instead.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        do {
            guard inputNames.count == 1 else {
                throw ONNXError.invalidGraph(reason: "the graph has \(inputNames.count) inputs (\(inputNames)); pass them by name")
            }
            return try run([input])[0]
        } catch {
            requireFailure("ONNXModel(\(source)): \(error)")
        }
    }

    /// Runs the graph on inputs named as in `inputNames` and returns every output by name.
    public func callAsFunction(_ inputs: [String: Tensor]) throws(ONNXError) -> [String: Tensor] {
        var ordered: [Tensor] = []
        for name in inputNames {
            guard let t = inputs[name] else { throw .invalidGraph(reason: "input '\(name)' is not given (the graph needs \(inputNames))") }
            ordered.append(t)
        }
        if let extra = inputs.keys.sorted().first(where: { !inputNames.contains($0) }) {
            throw .invalidGraph(reason: "'\(extra)' is not an input of the graph (its inputs are \(inputNames))")
        }
        let outputs = try run(ordered)
        return Dictionary(uniqueKeysWithValues: zip(outputNames, outputs))
    }

    /// Runs the graph on `inputs` in the order of `inputNames` and returns the outputs in the order of
    /// `outputNames`. Inputs declared as integers (token ids) are given as float tensors of whole
    /// numbers; integer outputs come back as floats. Every problem is a thrown `ONNXError`.
    public func run(_ inputs: [Tensor]) throws(ONNXError) -> [Tensor] {
        guard inputs.count == inputNames.count else {
            throw .invalidGraph(reason: "the graph takes \(inputNames.count) inputs (\(inputNames)), got \(inputs.count)")
        }
        var values = constants
        for (name, p) in parameterTable { values[name] = .float(p.value) }
        for (name, b) in bufferTable { values[name] = .float(b.value) }
        for (name, t) in zip(inputNames, inputs) {
            if let declared = plan.inputShapes[name] {
                guard declared.count == t.rank, zip(declared, t.shape).allSatisfy({ $0.0 == nil || $0.0 == $0.1 }) else {
                    throw .invalidGraph(reason: "input '\(name)' has shape \(t.shape) but the graph declares "
                                        + "[\(declared.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))]")
                }
            }
            if plan.integerInputs.contains(name) {
                guard t.scalars.allSatisfy({ $0 == $0.rounded() && Swift.abs($0) < 1e15 }) else {
                    throw .invalidGraph(reason: "input '\(name)' takes integers, got non-integral values")
                }
                values[name] = .integer(ONNXIntegers(shape: t.shape, values: t.scalars.map { Int64($0) }))
            } else {
                values[name] = .float(t)
            }
        }
        for node in plan.nodes {
            let operands = ONNXOperands(node: node, values: node.proto.input.map { $0.isEmpty ? nil : values[$0] })
            let results = try ONNXOperators.evaluate(node, operands, opset: plan.opset)
            for (i, name) in node.proto.output.enumerated() where !name.isEmpty {
                guard i < results.count, let result = results[i] else { throw node.error("output \(i) ('\(name)') is not computed by the importer") }
                values[name] = result
            }
        }
        return plan.outputs.map { name in
            switch values[name]! {
            case .float(let t): t
            case .integer(let i): i.floatTensor
            }
        }
    }
}

import SynapseCore
import SynapseIO
import SynapseNN

/// Collects the nodes, initializers and constants of an ONNX graph while modules export themselves.
///
/// Value names are unique: initializers take the module's state-dict names (`fc1.weight`), constants
/// and node outputs get generated names under the emitting module's path (`fc1/Gemm_3`).
public final class ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var usedNames: Set<String> = []
    private var initializerValues: [String: ONNXValue] = [:]
    private var counter = 0
    /// Values built once per graph and shared (a causal mask, a shape), by a key the caller chooses.
    var memo: [String: ONNXValue] = [:]

    /// Creates an empty graph.
    public init() {}

    /// Reserves `name` for a graph input (`inputs` of the model), returning its value.
    func addGraphInput(_ name: String, shape: [Int?], elementType: ONNXElementType) -> ONNXValue {
        usedNames.insert(name)
        return ONNXValue(name: name, shape: shape, elementType: elementType)
    }

    /// The state-dict path of the child `name` of the module at `path` (`layers` + `0` → `layers.0`).
    public func childPath(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// Exports `module` with `inputs`, or throws `ONNXError.unsupportedModule` naming its type and
    /// `path` when it does not conform to `ONNXExportable`.
    public func export(_ module: Module, _ inputs: [ONNXValue], path: String) throws(ONNXError) -> [ONNXValue] {
        guard let exportable = module as? any ONNXExportable else {
            throw .unsupportedModule(type: String(describing: type(of: module)), path: path)
        }
        return try exportable.exportONNX(inputs, into: self, path: path)
    }

    /// Exports a single-input, single-output `module` (a layer) and returns its output.
    public func export(_ module: Module, _ input: ONNXValue, path: String) throws(ONNXError) -> ONNXValue {
        let outputs = try export(module, [input], path: path)
        guard let first = outputs.first else {
            throw .invalidGraph(reason: "\(type(of: module)) at '\(path)' exported no output")
        }
        return first
    }

    /// Adds the initializer `name` holding `tensor` (float32), or returns the existing one when a
    /// shared module already added it. Pass the state-dict name so the file's weights keep it.
    @discardableResult
    public func addInitializer(_ name: String, _ tensor: Tensor) -> ONNXValue {
        if let existing = initializerValues[name] { return existing }
        let unique = uniqueName(name)
        initializers.append(Onnx_TensorProto(name: unique, tensor: tensor))
        let value = ONNXValue(name: unique, shape: tensor.shape.map { $0 }, elementType: .float)
        initializerValues[name] = value
        return value
    }

    /// Adds the parameter or buffer `name` of the module at `path` as an initializer named by its
    /// state-dict key (`path.name`).
    @discardableResult
    public func addParameter(_ tensor: Tensor, path: String, name: String) -> ONNXValue {
        addInitializer(childPath(path, name), tensor)
    }

    /// A float constant (an initializer with a generated name under `path`).
    public func constant(_ tensor: Tensor, path: String, hint: String = "const") -> ONNXValue {
        let name = uniqueName(nodePrefix(path) + hint)
        initializers.append(Onnx_TensorProto(name: name, tensor: tensor))
        return ONNXValue(name: name, shape: tensor.shape.map { $0 }, elementType: .float)
    }

    /// A float scalar constant.
    public func scalar(_ value: Float, path: String) -> ONNXValue {
        constant(Tensor(shape: [], scalars: [value]), path: path, hint: "scalar")
    }

    /// An int64 constant of `shape` (a 1-D list when `shape` is nil), for shapes, axes and indices.
    public func int64s(_ values: [Int], shape: [Int]? = nil, path: String) -> ONNXValue {
        let shape = shape ?? [values.count]
        let name = uniqueName(nodePrefix(path) + "ints")
        initializers.append(Onnx_TensorProto(name: name, int64s: values.map { Int64($0) }, shape: shape))
        return ONNXValue(name: name, shape: shape.map { $0 }, elementType: .int64)
    }

    /// Adds a node `op` reading `inputs` (`nil` for an omitted optional input) and returns its outputs,
    /// one per entry of `outputs` (shape and element type of each).
    @discardableResult
    public func addNode(_ op: String, _ inputs: [ONNXValue?], outputs: [(shape: [Int?], elementType: ONNXElementType)],
                        attributes: [String: ONNXAttribute] = [:], path: String = "") -> [ONNXValue] {
        counter += 1
        let nodeName = nodePrefix(path) + "\(op)_\(counter)"
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = nodeName
        // Trailing omitted optional inputs are dropped rather than written as "": ONNX allows both,
        // and ONNX Runtime 1.32 crashes on a trailing "" (LayerNormalization without a bias).
        var inputs = inputs
        while let last = inputs.last, last == nil { inputs.removeLast() }
        node.input = inputs.map { $0?.name ?? "" }
        let values = outputs.enumerated().map { i, out in
            ONNXValue(name: uniqueName(outputs.count == 1 ? nodeName : "\(nodeName)_\(i)"), shape: out.shape, elementType: out.elementType)
        }
        node.output = values.map(\.name)
        node.attribute = attributes.keys.sorted().map { attributes[$0]!.proto(named: $0) }
        nodes.append(node)
        return values
    }

    /// Adds a single-output node `op` and returns its output of `shape` (float unless `elementType`).
    @discardableResult
    public func add(_ op: String, _ inputs: [ONNXValue?], shape: [Int?], elementType: ONNXElementType = .float,
                    attributes: [String: ONNXAttribute] = [:], path: String = "") -> ONNXValue {
        addNode(op, inputs, outputs: [(shape, elementType)], attributes: attributes, path: path)[0]
    }

    /// Renames the node output `value` to `name` (the graph's output names), or adds an `Identity` node
    /// producing `name` when `value` is not a node output (a graph input or an initializer).
    func bindOutput(_ value: ONNXValue, to name: String) -> ONNXValue {
        let renamed = ONNXValue(name: name, shape: value.shape, elementType: value.elementType)
        guard !usedNames.contains(name) || name == value.name else {
            // The requested name is taken (an input of the same name): keep the value and add a copy.
            return add("Identity", [value], shape: value.shape, elementType: value.elementType)
        }
        guard let producer = nodes.lastIndex(where: { $0.output.contains(value.name) }) else {
            usedNames.insert(name)
            var node = Onnx_NodeProto()
            node.opType = "Identity"
            node.name = "output/Identity_\(name)"
            node.input = [value.name]
            node.output = [name]
            nodes.append(node)
            return renamed
        }
        usedNames.insert(name)
        for i in producer..<nodes.count {
            nodes[i].output = nodes[i].output.map { $0 == value.name ? name : $0 }
            nodes[i].input = nodes[i].input.map { $0 == value.name ? name : $0 }
        }
        return renamed
    }

    private func nodePrefix(_ path: String) -> String { path.isEmpty ? "" : "\(path)/" }

    private func uniqueName(_ base: String) -> String {
        var name = base
        var n = 1
        while usedNames.contains(name) { n += 1; name = "\(base)_\(n)" }
        usedNames.insert(name)
        return name
    }
}

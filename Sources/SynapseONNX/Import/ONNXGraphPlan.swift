import SynapseCore
import SynapseIO

/// An ONNX graph checked and ordered for interpretation: the opset is supported, every operator is
/// implemented, every node input is produced before it is used (no cycles), every graph output is
/// produced, and the initializers are decoded.
struct ONNXGraphPlan {
    /// Nodes in an order where each one's inputs are ready (the file's order where it already is).
    let nodes: [ONNXNode]
    /// The inputs the caller feeds (graph inputs that are not initializers), in file order.
    let inputs: [String]
    /// Inputs declared with an integer or boolean element type (token ids, masks): fed as integers.
    let integerInputs: Set<String>
    /// Declared input shapes (nil entries for symbolic dimensions such as the batch axis).
    let inputShapes: [String: [Int?]]
    /// The graph outputs, in file order.
    let outputs: [String]
    /// Initializers, decoded, in file order.
    let initializers: [ONNXTensorValues]
    /// The default-domain opset version the graph imports.
    let opset: Int64

    /// Validates `model` (read from `path`) and orders its nodes.
    init(_ model: Onnx_ModelProto, path: String) throws(ONNXError) {
        guard let opset = ONNXModelFile.defaultOpsetVersion(of: model) else {
            throw .invalidGraph(reason: "\(path) imports no opset of the default ONNX domain")
        }
        guard ONNXVersions.importOpsets.contains(opset) else {
            throw .invalidGraph(reason: "\(path) uses opset \(opset); Synapse imports opsets "
                                + "\(ONNXVersions.importOpsets.lowerBound)–\(ONNXVersions.importOpsets.upperBound) "
                                + "(re-export with torch.onnx.export(..., opset_version=17))")
        }
        self.opset = opset
        let graph = model.graph

        // Every unsupported operator at once, each named once.
        var unsupported: [String] = []
        for node in graph.node {
            let defaultDomain = node.domain.isEmpty || node.domain == "ai.onnx"
            let name = defaultDomain ? node.opType : "\(node.domain)::\(node.opType)"
            if !(defaultDomain && ONNXOperators.supported.contains(node.opType)) && !unsupported.contains(name) {
                unsupported.append(name)
            }
        }
        if !unsupported.isEmpty { throw .unsupportedOperators(unsupported) }

        var initializers: [ONNXTensorValues] = []
        var available = Set<String>()
        for tensor in graph.initializer {
            guard !tensor.name.isEmpty else { throw .invalidGraph(reason: "an initializer has no name") }
            guard available.insert(tensor.name).inserted else {
                throw .invalidGraph(reason: "initializer '\(tensor.name)' is defined twice")
            }
            let values = try tensor.decodedValues()
            // An empty tensor may still declare huge dimensions; no operator should iterate over one.
            guard values.shape.allSatisfy({ $0 <= ONNXShapeChecks.Limits.standard.elements }) else {
                throw .badTensor(name: tensor.name, reason: "dimension beyond \(ONNXShapeChecks.Limits.standard.elements) in shape \(values.shape)")
            }
            initializers.append(values)
        }
        var inputs: [String] = [], integerInputs = Set<String>(), inputShapes: [String: [Int?]] = [:]
        for input in graph.input where !available.contains(input.name) {
            guard !input.name.isEmpty else { throw .invalidGraph(reason: "a graph input has no name") }
            guard available.insert(input.name).inserted else { throw .invalidGraph(reason: "graph input '\(input.name)' is declared twice") }
            inputs.append(input.name)
            if input.hasType, case .tensorType(let tensorType)? = input.type.value {
                let floating: Set<Int32> = [1, 10, 11, 16]   // float, float16, double, bfloat16
                if tensorType.elemType != 0 && !floating.contains(tensorType.elemType) { integerInputs.insert(input.name) }
                if tensorType.hasShape {
                    // Symbolic dimensions (dim_param, such as the batch axis) and absurd sizes stay open.
                    inputShapes[input.name] = tensorType.shape.dim.map { d -> Int? in
                        if case .dimValue(let v)? = d.value, v > 0, v < 1 << 20 { return Int(v) }
                        return nil
                    }
                }
            }
        }
        guard !inputs.isEmpty else { throw .invalidGraph(reason: "the graph has no inputs besides its initializers") }

        // Kahn's algorithm, keeping the file's order among ready nodes.
        let parsed = graph.node.enumerated().map { ONNXNode($0.element, index: $0.offset) }
        var producers: [String: Int] = [:]
        for node in parsed {
            for output in node.proto.output where !output.isEmpty {
                guard !available.contains(output), producers[output] == nil else {
                    throw node.error("output '\(output)' is already produced elsewhere in the graph")
                }
                producers[output] = node.index
            }
        }
        for node in parsed {
            for input in node.proto.input where !input.isEmpty && !available.contains(input) && producers[input] == nil {
                throw node.error("input '\(input)' is not produced by any node, initializer or graph input")
            }
        }
        var waiting = parsed.map { node in Set(node.proto.input.filter { !$0.isEmpty && !available.contains($0) }) }
        var consumers: [String: [Int]] = [:]
        for (i, names) in waiting.enumerated() { for n in names { consumers[n, default: []].append(i) } }
        var ready = (0..<parsed.count).filter { waiting[$0].isEmpty }
        var order: [ONNXNode] = []
        var scheduled = [Bool](repeating: false, count: parsed.count)
        while !ready.isEmpty {
            let i = ready.removeFirst()
            guard !scheduled[i] else { continue }
            scheduled[i] = true
            order.append(parsed[i])
            var newlyReady: [Int] = []
            for output in parsed[i].proto.output where !output.isEmpty {
                for c in consumers[output] ?? [] {
                    waiting[c].remove(output)
                    if waiting[c].isEmpty && !scheduled[c] { newlyReady.append(c) }
                }
            }
            ready = (ready + newlyReady).sorted()
        }
        guard order.count == parsed.count else {
            let stuck = parsed.filter { !scheduled[$0.index] }.prefix(3).map(\.label)
            throw .invalidGraph(reason: "the graph has a cycle through \(stuck.joined(separator: ", "))")
        }
        var produced = available
        for node in order { for o in node.proto.output where !o.isEmpty { produced.insert(o) } }
        let outputs = graph.output.map(\.name)
        guard !outputs.isEmpty else { throw .invalidGraph(reason: "the graph declares no outputs") }
        for o in outputs where !produced.contains(o) {
            throw .invalidGraph(reason: "graph output '\(o)' is not produced by any node")
        }
        self.nodes = order
        self.inputs = inputs
        self.integerInputs = integerInputs
        self.inputShapes = inputShapes
        self.outputs = outputs
        self.initializers = initializers
    }
}

import SynapseIO
import SynapseNN

// Containers and shape layers: Sequential, Residual, Identity, Dropout, Flatten.

/// The first input, or an `invalidGraph` error naming the module when there is none.
func firstInput(_ inputs: [ONNXValue], _ module: Module, path: String) throws(ONNXError) -> ONNXValue {
    guard let x = inputs.first else { throw .invalidGraph(reason: "\(type(of: module)) at '\(path)' got no input") }
    return x
}

extension Sequential: ONNXExportable {
    /// Exports the layers in order.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        var h = try firstInput(inputs, self, path: path)
        for (i, layer) in layers.enumerated() { h = try graph.export(layer, h, path: graph.childPath(path, "\(i)")) }
        return [h]
    }

    /// The first layer's input type.
    public var onnxInputElementType: ONNXElementType {
        (layers.first as? any ONNXExportable)?.onnxInputElementType ?? .float
    }
}

extension Residual: ONNXExportable {
    /// `Add` of the body's and the shortcut's (or the input's) outputs.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        let y = try graph.export(body, x, path: graph.childPath(path, "body"))
        let skip = try shortcut.map { (s) throws(ONNXError) in try graph.export(s, x, path: graph.childPath(path, "shortcut")) } ?? x
        guard y.shape == skip.shape else {
            throw .invalidGraph(reason: "Residual at '\(path)': the body gives \(y.shape) but the shortcut gives \(skip.shape)")
        }
        return [graph.binary("Add", y, skip, path: path)]
    }
}

extension Identity: ONNXExportable {
    /// No node: the input passes through.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [try firstInput(inputs, self, path: path)]
    }
}

extension Dropout: ONNXExportable {
    /// No node: dropout is the identity at inference.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [try firstInput(inputs, self, path: path)]
    }
}

extension Flatten: ONNXExportable {
    /// `Flatten` (axis 1) for the default dimensions, `Reshape` otherwise.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        return [try flattenONNX(x, startDim: startDim, endDim: endDim, graph: graph, path: path)]
    }
}

/// `x` with dimensions `startDim...endDim` merged.
func flattenONNX(_ x: ONNXValue, startDim: Int, endDim: Int, graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> ONNXValue {
    let start = x.normalizedAxis(startDim), end = x.normalizedAxis(endDim)
    guard start >= 0, end < x.rank, start <= end else {
        throw .invalidGraph(reason: "Flatten at '\(path)': dimensions \(startDim)...\(endDim) do not fit input \(x.shape)")
    }
    let merged = x.shape[start...end].reduce(Optional(1)) { a, d in a.flatMap { a in d.map { a * $0 } } }
    if start == 1 && end == x.rank - 1 {
        return graph.add("Flatten", [x], shape: [x.shape[0], merged], attributes: ["axis": .int(1)], path: path)
    }
    // Dimensions before `start` are copied (0); the merged one is inferred (-1); the ones after are
    // fixed, as only the batch dimension is dynamic.
    var target = [Int](repeating: 0, count: start) + [-1]
    for d in x.shape[(end + 1)...] {
        guard let d else { throw .invalidGraph(reason: "Flatten at '\(path)': cannot flatten \(x.shape) with a dynamic trailing dimension") }
        target.append(d)
    }
    return graph.reshape(x, target, path: path)
}

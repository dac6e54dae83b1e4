import SynapseCore
import SynapseIO
import SynapseNN

/// The feed-forward activation of a transformer layer.
func transformerActivationONNX(_ x: ONNXValue, _ activation: TransformerActivation, graph: ONNXGraphBuilder, path: String) -> ONNXValue {
    switch activation {
    case .relu: graph.unary("Relu", x, path: path)
    case .gelu: geluONNX(x, approximate: .none, graph: graph, path: path)
    }
}

extension TransformerEncoderLayer: ONNXExportable {
    /// Inputs: `[src]` or `[src, mask]` (additive float mask [S, S]). Post- or pre-norm as configured.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let src = try firstInput(inputs, self, path: path)
        let mask = inputs.count > 1 ? inputs[1] : nil
        func child(_ name: String) -> String { graph.childPath(path, name) }
        func sa(_ x: ONNXValue) throws(ONNXError) -> ONNXValue {
            try selfAttention.exportAttention(x, x, x, mask: mask, graph: graph, path: child("self_attn"))
        }
        func ff(_ x: ONNXValue) throws(ONNXError) -> ONNXValue {
            let hidden = transformerActivationONNX(try graph.export(linear1, x, path: child("linear1")), activation, graph: graph, path: path)
            return try graph.export(linear2, hidden, path: child("linear2"))
        }
        func add(_ a: ONNXValue, _ b: ONNXValue) -> ONNXValue { graph.binary("Add", a, b, path: path) }
        var x = src
        if normFirst {
            x = add(x, try sa(try graph.export(norm1, x, path: child("norm1"))))
            x = add(x, try ff(try graph.export(norm2, x, path: child("norm2"))))
        } else {
            x = try graph.export(norm1, add(x, try sa(x)), path: child("norm1"))
            x = try graph.export(norm2, add(x, try ff(x)), path: child("norm2"))
        }
        return [x]
    }
}

extension TransformerDecoderLayer: ONNXExportable {
    /// Inputs: `[tgt, memory]`, optionally followed by an additive target mask [T, T] and a memory
    /// mask [T, S].
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        guard inputs.count >= 2 && inputs.count <= 4 else {
            throw .invalidGraph(reason: "TransformerDecoderLayer at '\(path)': expected inputs [tgt, memory(, tgtMask(, memoryMask))], got \(inputs.count)")
        }
        let memory = inputs[1]
        let tgtMask = inputs.count > 2 ? inputs[2] : nil, memoryMask = inputs.count > 3 ? inputs[3] : nil
        func child(_ name: String) -> String { graph.childPath(path, name) }
        func sa(_ x: ONNXValue) throws(ONNXError) -> ONNXValue {
            try selfAttention.exportAttention(x, x, x, mask: tgtMask, graph: graph, path: child("self_attn"))
        }
        func ca(_ x: ONNXValue) throws(ONNXError) -> ONNXValue {
            try crossAttention.exportAttention(x, memory, memory, mask: memoryMask, graph: graph, path: child("multihead_attn"))
        }
        func ff(_ x: ONNXValue) throws(ONNXError) -> ONNXValue {
            let hidden = transformerActivationONNX(try graph.export(linear1, x, path: child("linear1")), activation, graph: graph, path: path)
            return try graph.export(linear2, hidden, path: child("linear2"))
        }
        func add(_ a: ONNXValue, _ b: ONNXValue) -> ONNXValue { graph.binary("Add", a, b, path: path) }
        var x = inputs[0]
        if normFirst {
            x = add(x, try sa(try graph.export(norm1, x, path: child("norm1"))))
            x = add(x, try ca(try graph.export(norm2, x, path: child("norm2"))))
            x = add(x, try ff(try graph.export(norm3, x, path: child("norm3"))))
        } else {
            x = try graph.export(norm1, add(x, try sa(x)), path: child("norm1"))
            x = try graph.export(norm2, add(x, try ca(x)), path: child("norm2"))
            x = try graph.export(norm3, add(x, try ff(x)), path: child("norm3"))
        }
        return [x]
    }
}

extension TransformerEncoder: ONNXExportable {
    /// The layers in order (each given the same optional mask), then the final norm.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        var x = try firstInput(inputs, self, path: path)
        for (i, layer) in layers.enumerated() {
            x = try graph.export(layer, [x] + inputs.dropFirst(), path: graph.childPath(path, "layers.\(i)"))[0]
        }
        return [try norm.map { (n) throws(ONNXError) in try graph.export(n, x, path: graph.childPath(path, "norm")) } ?? x]
    }
}

extension TransformerDecoder: ONNXExportable {
    /// The layers in order (each given the memory and the optional masks), then the final norm.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        var x = try firstInput(inputs, self, path: path)
        for (i, layer) in layers.enumerated() {
            x = try graph.export(layer, [x] + inputs.dropFirst(), path: graph.childPath(path, "layers.\(i)"))[0]
        }
        return [try norm.map { (n) throws(ONNXError) in try graph.export(n, x, path: graph.childPath(path, "norm")) } ?? x]
    }
}

/// `x` plus the first `T` rows of `table` [maxLength, dModel], `T` read from `x` at run time.
func addPositionsONNX(_ x: ONNXValue, table: ONNXValue, batchFirst: Bool, graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> ONNXValue {
    let dModel = table.shape[1]
    guard (x.rank == 2 || x.rank == 3), x.shape.last == dModel else {
        throw .invalidGraph(reason: "positional encoding at '\(path)': expected input [\(batchFirst ? "N, T" : "T, N"), \(dModel ?? 0)], got \(x.shape)")
    }
    let timeAxis = x.rank == 3 && batchFirst ? 1 : 0
    let positions = graph.add("Slice", [table, graph.int64s([0], path: path), graph.dimension(x, axis: timeAxis, path: path),
                                        graph.int64s([0], path: path)],
                              shape: [x.shape[timeAxis], dModel], path: path)
    let aligned = x.rank == 3 && !batchFirst
        ? graph.add("Unsqueeze", [positions, graph.int64s([1], path: path)], shape: [x.shape[0], 1, dModel], path: path)
        : positions
    return graph.binary("Add", x, aligned, path: path)
}

extension SinusoidalPositionalEncoding: ONNXExportable {
    /// `Add` of the table's first `T` rows (a constant: the table is not part of the state dict).
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let table = graph.constant(encoding, path: path, hint: "encoding")
        return [try addPositionsONNX(try firstInput(inputs, self, path: path), table: table, batchFirst: batchFirst, graph: graph, path: path)]
    }
}

extension LearnedPositionalEncoding: ONNXExportable {
    /// `Add` of the first `T` rows of `weight`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let table = graph.addParameter(weight.value, path: path, name: "weight")
        return [try addPositionsONNX(try firstInput(inputs, self, path: path), table: table, batchFirst: batchFirst, graph: graph, path: path)]
    }
}

import SynapseCore
import SynapseIO
import SynapseNN

extension MultiheadAttention: ONNXExportable {
    /// Inputs: `[x]` (self-attention), `[query, key, value]`, or `[query, key, value, mask]` with an
    /// additive float attention mask [L, S] or [N·numHeads, L, S] (0 = attend, −∞ = forbidden).
    /// Output: the attended values (no attention weights).
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        switch inputs.count {
        case 1: return [try exportAttention(inputs[0], inputs[0], inputs[0], mask: nil, graph: graph, path: path)]
        case 3, 4:
            return [try exportAttention(inputs[0], inputs[1], inputs[2], mask: inputs.count == 4 ? inputs[3] : nil,
                                        graph: graph, path: path)]
        default:
            throw .invalidGraph(reason: "MultiheadAttention at '\(path)': expected 1, 3 or 4 inputs (x | query, key, value[, mask]), got \(inputs.count)")
        }
    }

    /// The attention graph: per-projection `MatMul` with slices of `in_proj_weight`, heads by
    /// `Reshape`/`Transpose`, `MatMul`·scale (+ mask), `Softmax`, `MatMul`, then `out_proj`.
    func exportAttention(_ query: ONNXValue, _ key: ONNXValue, _ value: ONNXValue, mask: ONNXValue?,
                         graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> ONNXValue {
        let e = dModel, heads = numHeads, d = headDim
        let name = "MultiheadAttention(dModel: \(e), numHeads: \(heads)) at '\(path)'"
        for (label, v) in [("query", query), ("key", key), ("value", value)] where v.rank != 3 || v.shape[2] != e {
            throw .invalidGraph(reason: "\(name): expected \(label) [\(batchFirst ? "N, L" : "L, N"), \(e)], got \(v.shape)")
        }
        // Everything batch-first: [N, T, E].
        func toBatchFirst(_ t: ONNXValue) -> ONNXValue { batchFirst ? t : graph.transpose(t, [1, 0, 2], path: path) }
        let q0 = toBatchFirst(query)
        let k0 = key == query ? q0 : toBatchFirst(key)
        let v0 = value == key ? k0 : toBatchFirst(value)
        let w = graph.addParameter(inProjWeight.value, path: path, name: "in_proj_weight")
        let b = inProjBias.map { graph.addParameter($0.value, path: path, name: "in_proj_bias") }
        func project(_ x: ONNXValue, _ i: Int, perm: [Int]) -> ONNXValue {
            let wi = graph.slice(w, starts: [i * e], ends: [(i + 1) * e], axes: [0], path: path)
            let bi = b.map { graph.slice($0, starts: [i * e], ends: [(i + 1) * e], axes: [0], path: path) }
            let y = graph.linear(x, weight: wi, bias: bi, path: path)
            return graph.transpose(graph.reshape(y, [0, 0, heads, d], path: path), perm, path: path)
        }
        let q = project(q0, 0, perm: [0, 2, 1, 3])        // [N, H, L, D]
        let kT = project(k0, 1, perm: [0, 2, 3, 1])       // [N, H, D, S]
        let v = project(v0, 2, perm: [0, 2, 1, 3])        // [N, H, S, D]
        var scores = graph.binary("Mul", graph.matmul(q, kT, path: path), graph.scalar(1 / Float(d).squareRoot(), path: path), path: path)
        if let mask {
            let additive: ONNXValue
            switch mask.rank {
            case 2: additive = mask
            case 3: additive = graph.reshape(mask, [-1, heads, mask.shape[1] ?? 0, mask.shape[2] ?? 0], path: path)
            default: throw .invalidGraph(reason: "\(name): expected an attention mask [L, S] or [N·\(heads), L, S], got \(mask.shape)")
            }
            scores = graph.binary("Add", scores, additive, path: path)
        }
        let weights = graph.unary("Softmax", scores, attributes: ["axis": .int(-1)], path: path)
        let attended = graph.matmul(weights, v, path: path)                                      // [N, H, L, D]
        let merged = graph.reshape(graph.transpose(attended, [0, 2, 1, 3], path: path), [0, 0, e], path: path)
        let projected = try graph.export(outProj, merged, path: graph.childPath(path, "out_proj"))
        return batchFirst ? projected : graph.transpose(projected, [1, 0, 2], path: path)
    }
}

/// An additive causal mask [T, T] for the run-time length `T` of `x`'s axis `axis`: 0 on and below
/// the diagonal, −∞ above, built with `Range`/`Greater`/`Where` so the graph accepts any length.
/// Built once per graph and length (every block of a model shares it).
func causalMaskONNX(lengthOf x: ONNXValue, axis: Int, graph: ONNXGraphBuilder, path: String) -> ONNXValue {
    let t = x.shape[axis]
    let key = "causal:\(t.map(String.init) ?? "dynamic")"
    if let cached = graph.memo[key] { return cached }
    let length = graph.add("Squeeze", [graph.dimension(x, axis: axis, path: path), graph.int64s([0], path: path)],
                           shape: [], elementType: .int64, path: path)
    let range = graph.add("Range", [graph.int64s([0], shape: [], path: path), length, graph.int64s([1], shape: [], path: path)],
                          shape: [t], elementType: .int64, path: path)
    let rows = graph.add("Unsqueeze", [range, graph.int64s([1], path: path)], shape: [t, 1], elementType: .int64, path: path)
    let cols = graph.add("Unsqueeze", [range, graph.int64s([0], path: path)], shape: [1, t], elementType: .int64, path: path)
    let above = graph.add("Greater", [cols, rows], shape: [t, t], elementType: .bool, path: path)
    let mask = graph.add("Where", [above, graph.scalar(-.infinity, path: path), graph.scalar(0, path: path)], shape: [t, t], path: path)
    graph.memo[key] = mask
    return mask
}

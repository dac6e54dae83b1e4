import SynapseCore
import SynapseIO
import SynapseModels
import SynapseNN

extension MLPClassifier: ONNXExportable {
    /// `Flatten` of image inputs, then the layers.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        var x = try firstInput(inputs, self, path: path)
        if x.rank != 2 { x = try flattenONNX(x, startDim: 1, endDim: -1, graph: graph, path: path) }
        guard x.shape.last == inputSize else {
            throw .invalidGraph(reason: "MLPClassifier: expected \(inputSize) features per example, got input \(inputs[0].shape)")
        }
        return try graph.export(layers, [x], path: graph.childPath(path, "layers"))
    }
}

extension CNNClassifier: ONNXExportable {
    /// features → `Flatten` → classifier.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank == 4 else { throw .invalidGraph(reason: "CNNClassifier: expected images [N, C, H, W], got \(x.shape)") }
        let f = try graph.export(features, x, path: graph.childPath(path, "features"))
        let flat = try flattenONNX(f, startDim: 1, endDim: -1, graph: graph, path: path)
        return try graph.export(classifier, [flat], path: graph.childPath(path, "classifier"))
    }
}

extension CharLSTMLanguageModel: ONNXExportable {
    /// Token ids [B, T] (int64) → logits [B, T, vocabulary]: `Gather`, `LSTM` (zero initial state), head.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let tokens = try firstInput(inputs, self, path: path)
        guard tokens.rank == 2 else { throw .invalidGraph(reason: "CharLSTMLanguageModel: expected token ids [B, T], got \(tokens.shape)") }
        let embedded = try graph.export(embedding, tokens, path: graph.childPath(path, "embedding"))
        let sequence = try graph.export(lstm, embedded, path: graph.childPath(path, "lstm"))
        return try graph.export(head, [sequence], path: graph.childPath(path, "head"))
    }

    /// Token ids.
    public var onnxInputElementType: ONNXElementType { .int64 }
}

extension GPTLanguageModel: ONNXExportable {
    /// Token ids [B, T] (int64, T ≤ contextLength) → logits [B, T, vocabulary].
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let tokens = try firstInput(inputs, self, path: path)
        guard tokens.rank == 2, (tokens.shape[1] ?? 0) <= contextLength else {
            throw .invalidGraph(reason: "GPTLanguageModel: expected token ids [B, T] with T ≤ \(contextLength), got \(tokens.shape)")
        }
        var x = try graph.export(embedding, tokens, path: graph.childPath(path, "embedding"))
        x = try graph.export(positions, x, path: graph.childPath(path, "positions"))
        for (i, block) in blocks.enumerated() { x = try graph.export(block, x, path: graph.childPath(path, "blocks.\(i)")) }
        x = try graph.export(norm, x, path: graph.childPath(path, "norm"))
        return try graph.export(head, [x], path: graph.childPath(path, "head"))
    }

    /// Token ids.
    public var onnxInputElementType: ONNXElementType { .int64 }
}

extension GPTBlock: ONNXExportable {
    /// Pre-norm block with causal self-attention: `qkv` → [3, B, heads, T, D] → scores + causal mask →
    /// `Softmax` → `proj`, residual; then `fc2(gelu(fc1(norm2(h))))`, residual.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        let width = dModel, heads = numHeads, d = width / numHeads
        guard x.rank == 3, x.shape[2] == width else { throw .invalidGraph(reason: "GPTBlock at '\(path)': expected [B, T, \(width)], got \(x.shape)") }
        func child(_ name: String) -> String { graph.childPath(path, name) }
        let normed = try graph.export(norm1, x, path: child("norm1"))
        let packed = graph.transpose(graph.reshape(try graph.export(qkv, normed, path: child("qkv")), [0, 0, 3, heads, d], path: path),
                                     [2, 0, 3, 1, 4], path: path)                              // [3, B, H, T, D]
        func part(_ i: Int) -> ONNXValue {
            graph.add("Gather", [packed, graph.int64s([i], shape: [], path: path)], shape: Array(packed.shape.dropFirst()),
                      attributes: ["axis": .int(0)], path: path)
        }
        let q = part(0), k = part(1), v = part(2)
        let kT = graph.transpose(k, [0, 1, 3, 2], path: path)
        let scores = graph.binary("Mul", graph.matmul(q, kT, path: path), graph.scalar(1 / Float(d).squareRoot(), path: path), path: path)
        let masked = graph.binary("Add", scores, causalMaskONNX(lengthOf: x, axis: 1, graph: graph, path: path), path: path)
        let attended = graph.matmul(graph.unary("Softmax", masked, attributes: ["axis": .int(-1)], path: path), v, path: path)
        let merged = graph.reshape(graph.transpose(attended, [0, 2, 1, 3], path: path), [0, 0, width], path: path)
        let h = graph.binary("Add", x, try graph.export(proj, merged, path: child("proj")), path: path)
        let hidden = geluONNX(try graph.export(fc1, try graph.export(norm2, h, path: child("norm2")), path: child("fc1")),
                              approximate: .none, graph: graph, path: path)
        return [graph.binary("Add", h, try graph.export(fc2, hidden, path: child("fc2")), path: path)]
    }
}

import SynapseIO
import SynapseNN

extension Linear: ONNXExportable {
    /// `Gemm` (transB) for [N, in] inputs, `MatMul` + `Add` for higher ranks.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank >= 1, x.shape.last == inFeatures else {
            throw .invalidGraph(reason: "Linear(\(inFeatures) → \(outFeatures)) at '\(path)': expected input [..., \(inFeatures)], got \(x.shape)")
        }
        // An unmerged adapter is part of the function: exporting W alone would silently drop it.
        if let lora, !lora.isMerged {
            throw .invalidGraph(reason: "Linear at '\(path)' has an unmerged LoRA adapter: call mergeLoRA() (or removeLoRA()) before exporting")
        }
        let w = graph.addParameter(weight.value, path: path, name: "weight")
        let b = bias.map { graph.addParameter($0.value, path: path, name: "bias") }
        return [graph.linear(x, weight: w, bias: b, path: path)]
    }
}

extension Embedding: ONNXExportable {
    /// `Gather` of the weight's rows by the int64 indices.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let ids = try firstInput(inputs, self, path: path)
        guard ids.elementType == .int64 else {
            throw .invalidGraph(reason: "Embedding(\(numEmbeddings), \(embeddingDim)) at '\(path)': expected int64 token ids, got a float input")
        }
        let w = graph.addParameter(weight.value, path: path, name: "weight")
        return [graph.add("Gather", [w, ids], shape: ids.shape + [embeddingDim], attributes: ["axis": .int(0)], path: path)]
    }

    /// Token ids.
    public var onnxInputElementType: ONNXElementType { .int64 }
}

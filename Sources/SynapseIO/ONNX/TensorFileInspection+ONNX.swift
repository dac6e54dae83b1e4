import Foundation

extension TensorFileInspection {
    /// The initializers of the ONNX model at `path` (every one decoded, so a tensor whose data
    /// disagrees with its shape is reported here as it would be at import), and a summary of the model
    /// as metadata: IR version, opsets, producer, the graph's inputs and outputs with their shapes, and
    /// how often each operator occurs.
    static func inspectONNX(at path: String) throws(ONNXError) -> (tensors: [Entry], metadata: [String: String]) {
        let model = try ONNXModelFile.read(at: path)
        let graph = model.graph
        var entries: [Entry] = []
        for initializer in graph.initializer {
            let values = try initializer.decodedValues()
            let type = Onnx_TensorProto.DataType(rawValue: Int(initializer.dataType)).map { "\($0)" } ?? "\(initializer.dataType)"
            entries.append(Entry(name: initializer.name, dtype: type, shape: values.shape))
        }
        var metadata: [String: String] = ["ir_version": String(model.irVersion)]
        metadata["opset"] = model.opsetImport.map { ($0.domain.isEmpty ? "ai.onnx" : $0.domain) + " " + String($0.version) }
            .joined(separator: ", ")
        if model.hasProducerName {
            metadata["producer"] = model.producerName + (model.producerVersion.isEmpty ? "" : " " + model.producerVersion)
        }
        if !graph.name.isEmpty { metadata["graph"] = graph.name }
        let initializerNames = Set(graph.initializer.map(\.name))
        // Older exporters list initializers among the inputs too; only the real inputs are shown.
        metadata["inputs"] = graph.input.filter { !initializerNames.contains($0.name) }.map(describe).joined(separator: ", ")
        metadata["outputs"] = graph.output.map(describe).joined(separator: ", ")
        var counts: [String: Int] = [:]
        for node in graph.node { counts[node.domain.isEmpty ? node.opType : node.domain + "::" + node.opType, default: 0] += 1 }
        metadata["operators"] = counts.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
        for entry in model.metadataProps { metadata["meta." + entry.key] = entry.value }
        return (entries.sorted { $0.name < $1.name }, metadata)
    }

    /// `name: float32[batch, 1, 28, 28]`.
    private static func describe(_ value: Onnx_ValueInfoProto) -> String {
        guard value.type.tensorType.hasElemType else { return value.name }
        let tensorType = value.type.tensorType
        let element = Onnx_TensorProto.DataType(rawValue: Int(tensorType.elemType)).map { "\($0)" } ?? "\(tensorType.elemType)"
        let dims = tensorType.shape.dim.map { dim -> String in
            switch dim.value {
            case .dimValue(let v): String(v)
            case .dimParam(let p): p
            case nil: "?"
            }
        }
        return "\(value.name): \(element)[\(dims.joined(separator: ", "))]"
    }
}

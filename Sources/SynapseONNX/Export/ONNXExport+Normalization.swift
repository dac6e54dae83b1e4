import SynapseCore
import SynapseIO
import SynapseNN

extension BatchNorm: ONNXExportable {
    /// `BatchNormalization` with the running statistics (inference); a constant scale/shift of 1/0
    /// when the layer has no affine parameters.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank >= 2, x.shape[1] == numFeatures else {
            throw .invalidGraph(reason: "\(type(of: self))(\(numFeatures)) at '\(path)': expected input [N, \(numFeatures), ...], got \(x.shape)")
        }
        guard let runningMean, let runningVar else {
            throw .invalidGraph(reason: "\(type(of: self))(\(numFeatures)) at '\(path)' has no running statistics (trackRunningStats: false), "
                + "so it normalises with batch statistics even in evaluation mode; ONNX inference export needs running statistics")
        }
        let c = numFeatures
        let scale = weight.map { graph.addParameter($0.value, path: path, name: "weight") }
            ?? graph.constant(Tensor.ones([c]), path: path, hint: "ones")
        let shift = bias.map { graph.addParameter($0.value, path: path, name: "bias") }
            ?? graph.constant(Tensor.zeros([c]), path: path, hint: "zeros")
        let mean = graph.addParameter(runningMean.value, path: path, name: "running_mean")
        let variance = graph.addParameter(runningVar.value, path: path, name: "running_var")
        return [graph.add("BatchNormalization", [x, scale, shift, mean, variance], shape: x.shape,
                          attributes: ["epsilon": .float(eps)], path: path)]
    }
}

extension LayerNorm: ONNXExportable {
    /// `LayerNormalization` over the last `normalizedShape.count` axes.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        let k = normalizedShape.count
        guard x.rank >= k, x.shape.suffix(k).map({ $0 ?? -1 }) == normalizedShape else {
            throw .invalidGraph(reason: "LayerNorm(\(normalizedShape)) at '\(path)': expected input [..., \(normalizedShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
        }
        let scale = weight.map { graph.addParameter($0.value, path: path, name: "weight") }
            ?? graph.constant(Tensor.ones(normalizedShape), path: path, hint: "ones")
        let b = bias.map { graph.addParameter($0.value, path: path, name: "bias") }
        return [graph.layerNormalization(x, scale: scale, bias: b, axis: -k, eps: eps, path: path)]
    }
}

extension GroupNorm: ONNXExportable {
    /// Opset 17 has no `GroupNormalization`: `Reshape` to [N, groups, -1], `InstanceNormalization`
    /// (unit scale, zero shift), `Reshape` back, then the per-channel `Mul` and `Add`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank >= 2, x.shape[1] == numChannels else {
            throw .invalidGraph(reason: "GroupNorm(\(numGroups), \(numChannels)) at '\(path)': expected input [N, \(numChannels), *], got \(x.shape)")
        }
        let grouped = graph.reshape(x, [0, numGroups, -1], path: path)
        let normalized = graph.add("InstanceNormalization", [
            grouped, graph.constant(Tensor.ones([numGroups]), path: path, hint: "ones"),
            graph.constant(Tensor.zeros([numGroups]), path: path, hint: "zeros"),
        ], shape: grouped.shape, attributes: ["epsilon": .float(eps)], path: path)
        var y = graph.add("Reshape", [normalized, graph.add("Shape", [x], shape: [x.rank], elementType: .int64, path: path)],
                          shape: x.shape, path: path)
        let channelShape = [numChannels] + [Int](repeating: 1, count: x.rank - 2)
        if let weight {
            let w = graph.reshape(graph.addParameter(weight.value, path: path, name: "weight"), channelShape, path: path)
            y = graph.binary("Mul", y, w, path: path)
        }
        if let bias {
            let b = graph.reshape(graph.addParameter(bias.value, path: path, name: "bias"), channelShape, path: path)
            y = graph.binary("Add", y, b, path: path)
        }
        return [y]
    }
}

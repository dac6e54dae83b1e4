import SynapseIO
import SynapseNN

// Convolutions and pooling. ONNX pads list every spatial begin, then every end.

/// The output length of a convolution or pooling window along one axis (nil stays nil).
func slidingOutput(_ size: Int?, kernel: Int, stride: Int, padding: Int, dilation: Int = 1, ceilMode: Bool = false) -> Int? {
    guard let size else { return nil }
    let span = size + 2 * padding - dilation * (kernel - 1) - 1
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    // PyTorch: the last window must start inside the input or the left padding.
    if ceilMode && (out - 1) * stride >= size + padding { out -= 1 }
    return out
}

/// Checks that `x` is [N, channels, spatial...] of `rank`.
func requireChannels(_ x: ONNXValue, rank: Int, channels: Int, _ name: String, path: String) throws(ONNXError) {
    guard x.rank == rank, x.shape[1] == channels else {
        throw .invalidGraph(reason: "\(name) at '\(path)': expected input of rank \(rank) with \(channels) channels, got \(x.shape)")
    }
}

extension Conv2d: ONNXExportable {
    /// `Conv` with kernel, strides, pads, dilations and group.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        try requireChannels(x, rank: 4, channels: weight.shape[1] * groups, "Conv2d", path: path)
        let k = (weight.shape[2], weight.shape[3])
        let shape: [Int?] = [x.shape[0], weight.shape[0],
                             slidingOutput(x.shape[2], kernel: k.0, stride: stride.0, padding: padding.0, dilation: dilation.0),
                             slidingOutput(x.shape[3], kernel: k.1, stride: stride.1, padding: padding.1, dilation: dilation.1)]
        let w = graph.addParameter(weight.value, path: path, name: "weight")
        let b = bias.map { graph.addParameter($0.value, path: path, name: "bias") }
        return [graph.add("Conv", [x, w, b], shape: shape, attributes: [
            "kernel_shape": .ints([k.0, k.1]), "strides": .ints([stride.0, stride.1]),
            "pads": .ints([padding.0, padding.1, padding.0, padding.1]), "dilations": .ints([dilation.0, dilation.1]),
            "group": .int(groups),
        ], path: path)]
    }
}

extension Conv1d: ONNXExportable {
    /// `Conv` over one spatial axis.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        try requireChannels(x, rank: 3, channels: weight.shape[1] * groups, "Conv1d", path: path)
        let k = weight.shape[2]
        let shape: [Int?] = [x.shape[0], weight.shape[0],
                             slidingOutput(x.shape[2], kernel: k, stride: stride, padding: padding, dilation: dilation)]
        let w = graph.addParameter(weight.value, path: path, name: "weight")
        let b = bias.map { graph.addParameter($0.value, path: path, name: "bias") }
        return [graph.add("Conv", [x, w, b], shape: shape, attributes: [
            "kernel_shape": .ints([k]), "strides": .ints([stride]), "pads": .ints([padding, padding]),
            "dilations": .ints([dilation]), "group": .int(groups),
        ], path: path)]
    }
}

extension ConvTranspose2d: ONNXExportable {
    /// `ConvTranspose` (same weight layout [in, out/groups, kH, kW]) with output padding.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        try requireChannels(x, rank: 4, channels: weight.shape[0], "ConvTranspose2d", path: path)
        let k = (weight.shape[2], weight.shape[3])
        func out(_ size: Int?, _ k: Int, _ s: Int, _ p: Int, _ op: Int, _ d: Int) -> Int? {
            size.map { ($0 - 1) * s - 2 * p + d * (k - 1) + op + 1 }
        }
        let shape: [Int?] = [x.shape[0], weight.shape[1] * groups,
                             out(x.shape[2], k.0, stride.0, padding.0, outputPadding.0, dilation.0),
                             out(x.shape[3], k.1, stride.1, padding.1, outputPadding.1, dilation.1)]
        let w = graph.addParameter(weight.value, path: path, name: "weight")
        let b = bias.map { graph.addParameter($0.value, path: path, name: "bias") }
        return [graph.add("ConvTranspose", [x, w, b], shape: shape, attributes: [
            "kernel_shape": .ints([k.0, k.1]), "strides": .ints([stride.0, stride.1]),
            "pads": .ints([padding.0, padding.1, padding.0, padding.1]), "dilations": .ints([dilation.0, dilation.1]),
            "output_padding": .ints([outputPadding.0, outputPadding.1]), "group": .int(groups),
        ], path: path)]
    }
}

extension MaxPool2d: ONNXExportable {
    /// `MaxPool`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank == 4 else { throw .invalidGraph(reason: "MaxPool2d at '\(path)': expected input [N, C, H, W], got \(x.shape)") }
        let shape: [Int?] = [x.shape[0], x.shape[1],
                             slidingOutput(x.shape[2], kernel: kernelSize.0, stride: stride.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode),
                             slidingOutput(x.shape[3], kernel: kernelSize.1, stride: stride.1, padding: padding.1, dilation: dilation.1, ceilMode: ceilMode)]
        return [graph.add("MaxPool", [x], shape: shape, attributes: [
            "kernel_shape": .ints([kernelSize.0, kernelSize.1]), "strides": .ints([stride.0, stride.1]),
            "pads": .ints([padding.0, padding.1, padding.0, padding.1]), "dilations": .ints([dilation.0, dilation.1]),
            "ceil_mode": .int(ceilMode ? 1 : 0),
        ], path: path)]
    }
}

extension AvgPool2d: ONNXExportable {
    /// `AveragePool` with `count_include_pad`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank == 4 else { throw .invalidGraph(reason: "AvgPool2d at '\(path)': expected input [N, C, H, W], got \(x.shape)") }
        let shape: [Int?] = [x.shape[0], x.shape[1],
                             slidingOutput(x.shape[2], kernel: kernelSize.0, stride: stride.0, padding: padding.0, ceilMode: ceilMode),
                             slidingOutput(x.shape[3], kernel: kernelSize.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode)]
        return [graph.add("AveragePool", [x], shape: shape, attributes: [
            "kernel_shape": .ints([kernelSize.0, kernelSize.1]), "strides": .ints([stride.0, stride.1]),
            "pads": .ints([padding.0, padding.1, padding.0, padding.1]), "ceil_mode": .int(ceilMode ? 1 : 0),
            "count_include_pad": .int(countIncludePad ? 1 : 0),
        ], path: path)]
    }
}

extension AdaptiveAvgPool2d: ONNXExportable {
    /// `GlobalAveragePool` for a 1×1 output; `AveragePool` when the input size is a multiple of the
    /// output size (the windows are then equal and disjoint); refused otherwise.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        guard x.rank == 4 else { throw .invalidGraph(reason: "AdaptiveAvgPool2d at '\(path)': expected input [N, C, H, W], got \(x.shape)") }
        let shape: [Int?] = [x.shape[0], x.shape[1], outputSize.0, outputSize.1]
        if outputSize == (1, 1) { return [graph.add("GlobalAveragePool", [x], shape: shape, path: path)] }
        guard let h = x.shape[2], let w = x.shape[3], h % outputSize.0 == 0, w % outputSize.1 == 0 else {
            throw .invalidGraph(reason: "AdaptiveAvgPool2d(\(outputSize.0)×\(outputSize.1)) at '\(path)': input \(x.shape) is not a multiple of the output size, which ONNX pooling cannot express")
        }
        let k = [h / outputSize.0, w / outputSize.1]
        return [graph.add("AveragePool", [x], shape: shape, attributes: ["kernel_shape": .ints(k), "strides": .ints(k)], path: path)]
    }
}

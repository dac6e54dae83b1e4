import SynapseCore
import SynapseIO

extension ONNXOperators {
    /// Refuses a node whose optional outputs past the first are consumed (training statistics).
    static func onlyFirstOutput(_ node: ONNXNode, _ what: String) throws(ONNXError) {
        if node.proto.output.dropFirst().contains(where: { !$0.isEmpty }) { throw node.error("\(what) outputs are not supported") }
    }

    /// A per-channel vector [C] shaped to broadcast over [N, C, ...] of rank `rank`.
    static func channelVector(_ t: Tensor, channels: Int, rank: Int, _ what: String, _ node: ONNXNode) throws(ONNXError) -> Tensor {
        guard t.count == channels, t.rank <= 1 else { throw node.error("\(what) of shape \(t.shape) does not match \(channels) channels") }
        return t.reshaped([channels] + [Int](repeating: 1, count: rank - 2))
    }

    /// `BatchNormalization` in inference mode: the stored running statistics normalise, the scale and
    /// bias stay trainable.
    static func batchNorm(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        guard try node.int("training_mode", 0) == 0 else { throw node.error("training_mode = 1 is not supported (export in eval mode)") }
        try onlyFirstOutput(node, "running-statistics")
        let x = try operands.float(0)
        guard x.rank >= 2 else { throw node.error("input must be [N, C, ...], got \(x.shape)") }
        let c = x.shape[1], rank = x.rank
        let scale = try channelVector(try operands.float(1), channels: c, rank: rank, "scale", node)
        let bias = try channelVector(try operands.float(2), channels: c, rank: rank, "bias", node)
        let mean = try channelVector(try operands.float(3), channels: c, rank: rank, "mean", node)
        let variance = try channelVector(try operands.float(4), channels: c, rank: rank, "variance", node)
        let eps = try node.float("epsilon", 1e-5)
        let inverse = scale / sqrt(variance + eps)
        return .float(x * inverse + (bias - mean * inverse))
    }

    /// `LayerNormalization` over the dimensions from `axis` on (opset 17).
    static func layerNormalization(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        try onlyFirstOutput(node, "Mean and InvStdDev")
        let x = try operands.float(0)
        try ONNXShapeChecks.nonEmpty(x, node)
        let axis = try node.axis(try node.int("axis", -1), rank: x.rank)
        let normalized = Array(x.shape[axis...])
        let eps = try node.float("epsilon", 1e-5)
        let scale = try operands.optionalFloat(1), bias = try operands.optionalFloat(2)
        if (scale == nil || scale!.shape == normalized) && (bias == nil || bias!.shape == normalized) {
            return .float(layerNorm(x, normalizedShape: normalized, weight: scale, bias: bias, eps: eps))
        }
        var y = layerNorm(x, normalizedShape: normalized, eps: eps)
        if let scale {
            guard try ONNXShapeChecks.broadcast(x.shape, scale.shape, node) == x.shape else { throw node.error("scale \(scale.shape) does not broadcast to \(x.shape)") }
            y = y * scale
        }
        if let bias {
            guard try ONNXShapeChecks.broadcast(x.shape, bias.shape, node) == x.shape else { throw node.error("bias \(bias.shape) does not broadcast to \(x.shape)") }
            y = y + bias
        }
        return .float(y)
    }

    /// `InstanceNormalization`: per sample and channel over the spatial dimensions.
    static func instanceNorm(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.float(0)
        guard x.rank >= 3 else { throw node.error("input must be [N, C, ...spatial], got \(x.shape)") }
        try ONNXShapeChecks.nonEmpty(x, node)
        let c = x.shape[1]
        let scale = try channelVector(try operands.float(1), channels: c, rank: x.rank, "scale", node)
        let bias = try channelVector(try operands.float(2), channels: c, rank: x.rank, "bias", node)
        let eps = try node.float("epsilon", 1e-5)
        let dims = Array(2..<x.rank)
        let centered = x - x.mean(dims: dims, keepdim: true)
        let variance = (centered * centered).mean(dims: dims, keepdim: true)
        return .float(centered / sqrt(variance + eps) * scale + bias)
    }
}

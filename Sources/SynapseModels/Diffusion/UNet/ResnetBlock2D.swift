import SynapseCore
import SynapseNN

/// diffusers' `ResnetBlock2D` (`resnet_time_scale_shift="default"`, output scale 1): two 3×3
/// convolutions, each after GroupNorm and SiLU, with the projected time embedding added between
/// them, and a 1×1 convolution (`conv_shortcut`) on the residual path when the channels change.
public final class ResnetBlock2D: Module {
    /// GroupNorm on the input (`norm1`).
    public let norm1: GroupNorm
    /// First 3×3 convolution (`conv1`).
    public let conv1: Conv2d
    /// Projection of the SiLU'd time embedding to the output channels (`time_emb_proj`).
    public let timeEmbeddingProjection: Linear
    /// GroupNorm before the second convolution (`norm2`).
    public let norm2: GroupNorm
    /// Dropout before the second convolution.
    public let dropout: Dropout
    /// Second 3×3 convolution (`conv2`).
    public let conv2: Conv2d
    /// 1×1 convolution of the residual when input and output channels differ (`conv_shortcut`).
    public let shortcut: Conv2d?

    /// A block from `inChannels` to `outChannels`, conditioned on a `timeChannels`-wide embedding.
    public init(_ inChannels: Int, _ outChannels: Int, timeChannels: Int, groups: Int, eps: Float = 1e-5,
                dropout p: Float = 0, generator: RandomGenerator = .global) {
        norm1 = GroupNorm(numGroups: groups, numChannels: inChannels, eps: eps)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: generator)
        timeEmbeddingProjection = Linear(timeChannels, outChannels, generator: generator)
        norm2 = GroupNorm(numGroups: groups, numChannels: outChannels, eps: eps)
        dropout = Dropout(p: p, generator: generator)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: generator)
        shortcut = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, generator: generator)
        super.init()
    }

    /// diffusers' names.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "timeEmbeddingProjection": "time_emb_proj"
        case "shortcut": "conv_shortcut"
        default: name
        }
    }

    /// Images [N, in, H, W] and the time embedding [N, timeChannels] → [N, out, H, W].
    public func callAsFunction(_ x: Tensor, _ timeEmbedding: Tensor) -> Tensor {
        recordingCall {
            var h = conv1(silu(norm1(x)))
            h = h + timeEmbeddingProjection(silu(timeEmbedding)).reshaped([h.shape[0], h.shape[1], 1, 1])
            h = conv2(dropout(silu(norm2(h))))
            return (shortcut.map { $0(x) } ?? x) + h
        }
    }
}

import SynapseCore
import SynapseNN

/// Self-attention over the pixels of a feature map, as diffusers' `Attention` in `UNet2DModel`'s
/// attention blocks: GroupNorm, the H·W pixels as tokens, `heads` = channels / headDimension heads
/// scaled by 1/√headDimension, the output projection (`to_out.0`) and a residual connection.
///
/// Attention costs (H·W)² per head, which is why a small UNet only attends at its lowest
/// resolutions (7×7 for 28×28 images).
public final class SpatialSelfAttention: Module {
    /// GroupNorm on the input (`group_norm`).
    public let groupNorm: GroupNorm
    /// Query projection (`to_q`).
    public let toQuery: Linear
    /// Key projection (`to_k`).
    public let toKey: Linear
    /// Value projection (`to_v`).
    public let toValue: Linear
    /// The output projection as diffusers' one-element `to_out` list (`to_out.0`; its `to_out.1`
    /// is a dropout without state).
    public let toOut: [Linear]
    /// Number of heads.
    public let heads: Int

    /// Attention over `channels`-wide pixels in heads of `headDimension` channels (one head when
    /// `headDimension` ≥ `channels`).
    public init(channels: Int, headDimension: Int, groups: Int, eps: Float = 1e-5, generator: RandomGenerator = .global) {
        require(headDimension > 0 && (channels % headDimension == 0 || headDimension >= channels),
                "SpatialSelfAttention: the head dimension \(headDimension) must divide the \(channels) channels")
        groupNorm = GroupNorm(numGroups: groups, numChannels: channels, eps: eps)
        toQuery = Linear(channels, channels, generator: generator)
        toKey = Linear(channels, channels, generator: generator)
        toValue = Linear(channels, channels, generator: generator)
        toOut = [Linear(channels, channels, generator: generator)]
        heads = max(channels / headDimension, 1)
        super.init()
    }

    /// diffusers' names.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "groupNorm": "group_norm"
        case "toQuery": "to_q"
        case "toKey": "to_k"
        case "toValue": "to_v"
        case "toOut": "to_out"
        default: name
        }
    }

    /// Feature maps [N, C, H, W] → [N, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let s = x.shape, n = s[0], c = s[1], pixels = s[2] * s[3], d = c / heads
            let tokens = groupNorm(x).reshaped([n, c, pixels]).transposed(1, 2)           // [N, HW, C]
            func split(_ t: Tensor) -> Tensor { t.reshaped([n, pixels, heads, d]).transposed(1, 2) }  // [N, h, HW, d]
            let attended = scaledDotProductAttention(query: split(toQuery(tokens)), key: split(toKey(tokens)),
                                                     value: split(toValue(tokens)))
            let merged = attended.transposed(1, 2).reshaped([n, pixels, c])
            return toOut[0](merged).transposed(1, 2).reshaped(s) + x
        }
    }
}

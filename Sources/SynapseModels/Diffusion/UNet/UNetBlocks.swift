import SynapseCore
import SynapseNN

/// diffusers' `Downsample2D` with a convolution: a 3×3 convolution of stride 2 and padding 1
/// (`downsamplers.0.conv`), halving the resolution.
public final class UNetDownsample: Module, Layer {
    /// The strided convolution (`conv`).
    public let conv: Conv2d

    /// Keeps the channel count.
    public init(channels: Int, generator: RandomGenerator = .global) {
        conv = Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, generator: generator)
        super.init()
    }

    /// [N, C, H, W] → [N, C, ⌈H/2⌉, ⌈W/2⌉].
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { conv(x) } }
}

/// diffusers' `Upsample2D` with a convolution: nearest-neighbour ×2, then a 3×3 convolution
/// (`upsamplers.0.conv`) that smooths the blocky result.
public final class UNetUpsample: Module, Layer {
    /// The convolution after upsampling (`conv`).
    public let conv: Conv2d

    /// Keeps the channel count.
    public init(channels: Int, generator: RandomGenerator = .global) {
        conv = Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: generator)
        super.init()
    }

    /// [N, C, H, W] → [N, C, 2H, 2W].
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { conv(upsampleNearest(x, scale: 2)) } }
}

/// One resolution of a `UNet2D`'s contracting path: diffusers' `DownBlock2D`, or `AttnDownBlock2D`
/// when it has attentions. Every resnet (and attention) output is kept as a skip for the
/// expanding path, and so is the downsampled output.
public final class UNetDownBlock: Module {
    /// Residual blocks (`resnets`).
    public let resnets: [ResnetBlock2D]
    /// One attention after each residual block, or none (`attentions`).
    public let attentions: [SpatialSelfAttention]
    /// The downsampler, absent in the lowest resolution (`downsamplers`).
    public let downsamplers: [UNetDownsample]

    /// `layers` residual blocks from `inChannels` to `outChannels`.
    public init(layers: Int, inChannels: Int, outChannels: Int, timeChannels: Int, groups: Int, attention: Bool,
                headDimension: Int, downsample: Bool, eps: Float, dropout: Float, generator: RandomGenerator) {
        resnets = (0..<layers).map { i in
            ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, timeChannels: timeChannels, groups: groups, eps: eps,
                          dropout: dropout, generator: generator)
        }
        attentions = attention ? (0..<layers).map { _ in
            SpatialSelfAttention(channels: outChannels, headDimension: headDimension, groups: groups, eps: eps, generator: generator)
        } : []
        downsamplers = downsample ? [UNetDownsample(channels: outChannels, generator: generator)] : []
        super.init()
    }

    /// The block's output and the skips it adds, in order.
    public func callAsFunction(_ x: Tensor, _ timeEmbedding: Tensor) -> (output: Tensor, skips: [Tensor]) {
        var h = x, skips: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = resnet(h, timeEmbedding)
            if !attentions.isEmpty { h = attentions[i](h) }
            skips.append(h)
        }
        for downsampler in downsamplers {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}

/// One resolution of a `UNet2D`'s expanding path: diffusers' `UpBlock2D`, or `AttnUpBlock2D` when
/// it has attentions. Each residual block takes the running features concatenated (along the
/// channels, features first) with the newest unused skip.
public final class UNetUpBlock: Module {
    /// Residual blocks (`resnets`), one more than the contracting path's blocks per resolution.
    public let resnets: [ResnetBlock2D]
    /// One attention after each residual block, or none (`attentions`).
    public let attentions: [SpatialSelfAttention]
    /// The upsampler, absent in the highest resolution (`upsamplers`).
    public let upsamplers: [UNetUpsample]

    /// `layers` residual blocks; `skipChannels` lists the channels of the skips each consumes, and
    /// `previousChannels` the channels of the features arriving from the resolution below.
    public init(skipChannels: [Int], previousChannels: Int, outChannels: Int, timeChannels: Int, groups: Int, attention: Bool,
                headDimension: Int, upsample: Bool, eps: Float, dropout: Float, generator: RandomGenerator) {
        resnets = skipChannels.enumerated().map { i, skip in
            ResnetBlock2D((i == 0 ? previousChannels : outChannels) + skip, outChannels, timeChannels: timeChannels,
                          groups: groups, eps: eps, dropout: dropout, generator: generator)
        }
        attentions = attention ? skipChannels.map { _ in
            SpatialSelfAttention(channels: outChannels, headDimension: headDimension, groups: groups, eps: eps, generator: generator)
        } : []
        upsamplers = upsample ? [UNetUpsample(channels: outChannels, generator: generator)] : []
        super.init()
    }

    /// The block's output from `x` and the skips it consumes, the newest last (it takes them from the end).
    public func callAsFunction(_ x: Tensor, skips: [Tensor], _ timeEmbedding: Tensor) -> Tensor {
        require(skips.count == resnets.count, "UNetUpBlock: expected \(resnets.count) skips, got \(skips.count)")
        var h = x
        for (i, resnet) in resnets.enumerated() {
            let skip = skips[skips.count - 1 - i]
            require(skip.shape[2] == h.shape[2] && skip.shape[3] == h.shape[3],
                    "UNetUpBlock: the features \(h.shape) and the skip \(skip.shape) differ in resolution")
            h = resnet(Tensor.cat([h, skip], dim: 1), timeEmbedding)
            if !attentions.isEmpty { h = attentions[i](h) }
        }
        for upsampler in upsamplers { h = upsampler(h) }
        return h
    }
}

/// diffusers' `UNetMidBlock2D` at the lowest resolution: a residual block, self-attention, and a
/// second residual block.
public final class UNetMidBlock: Module {
    /// The two residual blocks (`resnets`).
    public let resnets: [ResnetBlock2D]
    /// The attention between them (`attentions`), or none.
    public let attentions: [SpatialSelfAttention]

    /// Keeps `channels` channels.
    public init(channels: Int, timeChannels: Int, groups: Int, attention: Bool, headDimension: Int, eps: Float, dropout: Float,
                generator: RandomGenerator) {
        resnets = (0..<2).map { _ in
            ResnetBlock2D(channels, channels, timeChannels: timeChannels, groups: groups, eps: eps, dropout: dropout, generator: generator)
        }
        attentions = attention
            ? [SpatialSelfAttention(channels: channels, headDimension: headDimension, groups: groups, eps: eps, generator: generator)]
            : []
        super.init()
    }

    /// [N, C, H, W] → [N, C, H, W].
    public func callAsFunction(_ x: Tensor, _ timeEmbedding: Tensor) -> Tensor {
        var h = resnets[0](x, timeEmbedding)
        for attention in attentions { h = attention(h) }
        return resnets[1](h, timeEmbedding)
    }
}

import SynapseCore
import SynapseNN

/// The sizes of a `UNet2D`, in the terms of diffusers' `UNet2DModel` config. The defaults are the
/// Fashion-MNIST recipe of `synapse train --model ddpm`: 28×28 grey images, three resolutions
/// (28, 14, 7) of 16, 32 and 64 channels, one residual block per resolution, self-attention only
/// at 7×7 (and in the middle block), 10 classes plus the null class of classifier-free guidance
/// (≈0.69M parameters).
public struct UNet2DConfiguration: Sendable, Equatable {
    /// Image channels in (`in_channels`).
    public var inChannels = 1
    /// Channels out (`out_channels`): the predicted noise (or velocity) has the image's channels.
    public var outChannels = 1
    /// Channels of each resolution, highest resolution first (`block_out_channels`).
    public var blockChannels = [16, 32, 64]
    /// Whether each resolution attends (`AttnDownBlock2D`/`AttnUpBlock2D` rather than
    /// `DownBlock2D`/`UpBlock2D`), highest resolution first.
    public var attention = [false, false, true]
    /// Residual blocks per resolution in the contracting path (`layers_per_block`); the expanding
    /// path has one more.
    public var layersPerBlock = 1
    /// Groups of every GroupNorm (`norm_num_groups`).
    public var normGroups = 8
    /// Channels per attention head (`attention_head_dim`).
    public var attentionHeadDimension = 32
    /// Number of real classes for class conditioning, or nil for an unconditional model. The
    /// embedding has one more row (`num_class_embeds` = classes + 1): index `classes` is the null
    /// class that classifier-free guidance trains and samples with.
    public var classes: Int? = 10
    /// Dropout inside the residual blocks.
    public var dropout: Float = 0
    /// ε of every GroupNorm (`norm_eps`).
    public var normEps: Float = 1e-5

    /// The recipe's sizes.
    public init() {}

    /// Width of the time embedding (`time_embed_dim` = 4 × the first resolution's channels).
    public var timeEmbeddingChannels: Int { 4 * (blockChannels.first ?? 0) }

    /// Why these sizes cannot build a model, or nil when they can.
    public var problem: String? {
        if blockChannels.isEmpty || blockChannels.contains(where: { $0 <= 0 }) { return "block channels must be positive and not empty" }
        if attention.count != blockChannels.count {
            return "attention lists \(attention.count) resolutions, block channels \(blockChannels.count)"
        }
        if inChannels <= 0 || outChannels <= 0 || layersPerBlock <= 0 || normGroups <= 0 || attentionHeadDimension <= 0 {
            return "channels, layers per block, norm groups and the attention head dimension must be positive"
        }
        if let bad = blockChannels.first(where: { $0 % normGroups != 0 }) {
            return "\(normGroups) norm groups do not divide \(bad) channels"
        }
        // Every attention (the attending resolutions and the middle block) splits its channels into heads.
        for (level, channels) in blockChannels.enumerated() where attention[level] || level == blockChannels.count - 1 {
            if channels % attentionHeadDimension != 0 && attentionHeadDimension < channels {
                return "the attention head dimension \(attentionHeadDimension) must divide the \(channels) channels of an attending resolution"
            }
        }
        if blockChannels[0] % 2 != 0 { return "the first resolution's channels \(blockChannels[0]) must be even (sinusoidal embedding)" }
        if let classes, classes <= 0 { return "the number of classes must be positive, got \(classes)" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must lie in [0, 1), got \(dropout)" }
        return nil
    }

    /// Trainable parameters of a model of these sizes, counted without building it (to refuse an
    /// oversized one from untrusted metadata before allocating it). Walks the channels as `UNet2D`
    /// builds them.
    public var parameterCount: Int {
        let time = timeEmbeddingChannels, levels = blockChannels.count
        func resnet(_ i: Int, _ o: Int) -> Int { 2 * i + 9 * i * o + o + time * o + o + 2 * o + 9 * o * o + o + (i == o ? 0 : i * o + o) }
        func attentionParameters(_ c: Int) -> Int { 2 * c + 4 * (c * c + c) }
        func resample(_ c: Int) -> Int { 9 * c * c + c }
        let c0 = blockChannels[0], last = blockChannels[levels - 1]
        var total = inChannels * 9 * c0 + c0 + c0 * time + time + time * time + time + (classes.map { ($0 + 1) * time } ?? 0)
        var skips = [c0]
        for level in 0..<levels {
            let o = blockChannels[level], isLowest = level == levels - 1
            for j in 0..<layersPerBlock {
                total += resnet(j == 0 ? (level == 0 ? c0 : blockChannels[level - 1]) : o, o) + (attention[level] ? attentionParameters(o) : 0)
            }
            if !isLowest { total += resample(o) }
            skips += Array(repeating: o, count: layersPerBlock + (isLowest ? 0 : 1))
        }
        total += 2 * resnet(last, last) + attentionParameters(last)
        var previous = last
        for level in (0..<levels).reversed() {
            let o = blockChannels[level]
            for j in 0...layersPerBlock {
                total += resnet((j == 0 ? previous : o) + skips.removeLast(), o) + (attention[level] ? attentionParameters(o) : 0)
            }
            if level != 0 { total += resample(o) }
            previous = o
        }
        return total + 2 * c0 + 9 * c0 * outChannels + outChannels
    }

    /// The image sides must halve exactly at every downsampling so the skips line up.
    public func imageProblem(height: Int, width: Int) -> String? {
        let factor = 1 << (blockChannels.count - 1)
        if height % factor != 0 || width % factor != 0 {
            return "the image sides \(height)×\(width) must be multiples of \(factor) for \(blockChannels.count) resolutions"
        }
        return nil
    }
}

/// The UNet of DDPM (Ho et al. 2020) as Hugging Face diffusers' `UNet2DModel`, with its state-dict
/// names, so its weights load in both directions: a contracting path of residual blocks
/// (GroupNorm, SiLU, time-embedding injection) and strided-convolution downsampling, self-attention
/// at low resolutions, a middle block, and an expanding path whose residual blocks take the
/// contracting path's activations as skip connections, with nearest-neighbour upsampling.
///
/// It predicts the noise (or velocity) in a noisy image given its timestep and, for a
/// class-conditional model, a class label, whose embedding is added to the time embedding
/// (`class_embedding`). The label `classes` is the null class used for classifier-free guidance.
public final class UNet2D: Module {
    /// The sizes it was built with.
    public let configuration: UNet2DConfiguration
    /// The input convolution (`conv_in`).
    public let convIn: Conv2d
    /// The time-embedding MLP (`time_embedding`).
    public let timeEmbedding: TimestepMLP
    /// The class embeddings, classes + 1 rows (`class_embedding`), or nil when unconditional.
    public let classEmbedding: Embedding?
    /// The contracting path (`down_blocks`).
    public let downBlocks: [UNetDownBlock]
    /// The lowest-resolution block (`mid_block`).
    public let midBlock: UNetMidBlock
    /// The expanding path (`up_blocks`).
    public let upBlocks: [UNetUpBlock]
    /// GroupNorm before the output convolution (`conv_norm_out`).
    public let convNormOut: GroupNorm
    /// The output convolution (`conv_out`).
    public let convOut: Conv2d

    /// A model of `configuration`'s sizes, initialised from `generator` with PyTorch's defaults.
    public init(_ configuration: UNet2DConfiguration = .init(), generator: RandomGenerator = .global) {
        let c = configuration
        require(c.problem == nil, "UNet2D: \(c.problem ?? "")")
        self.configuration = c
        let channels = c.blockChannels, levels = channels.count, time = c.timeEmbeddingChannels
        convIn = Conv2d(c.inChannels, channels[0], kernelSize: 3, padding: 1, generator: generator)
        timeEmbedding = TimestepMLP(channels[0], time, generator: generator)
        classEmbedding = c.classes.map { Embedding($0 + 1, time, generator: generator) }
        // The channels of every skip, in the order the contracting path makes them.
        var skipChannels = [channels[0]]
        var down: [UNetDownBlock] = []
        for level in 0..<levels {
            let isLowest = level == levels - 1
            down.append(UNetDownBlock(layers: c.layersPerBlock, inChannels: level == 0 ? channels[0] : channels[level - 1],
                                      outChannels: channels[level], timeChannels: time, groups: c.normGroups,
                                      attention: c.attention[level], headDimension: c.attentionHeadDimension,
                                      downsample: !isLowest, eps: c.normEps, dropout: c.dropout, generator: generator))
            skipChannels += Array(repeating: channels[level], count: c.layersPerBlock + (isLowest ? 0 : 1))
        }
        downBlocks = down
        midBlock = UNetMidBlock(channels: channels[levels - 1], timeChannels: time, groups: c.normGroups, attention: true,
                                headDimension: c.attentionHeadDimension, eps: c.normEps, dropout: c.dropout, generator: generator)
        var up: [UNetUpBlock] = []
        var previous = channels[levels - 1]
        for level in (0..<levels).reversed() {
            let taken = Array(skipChannels.suffix(c.layersPerBlock + 1).reversed())
            skipChannels.removeLast(c.layersPerBlock + 1)
            up.append(UNetUpBlock(skipChannels: taken, previousChannels: previous, outChannels: channels[level], timeChannels: time,
                                  groups: c.normGroups, attention: c.attention[level], headDimension: c.attentionHeadDimension,
                                  upsample: level != 0, eps: c.normEps, dropout: c.dropout, generator: generator))
            previous = channels[level]
        }
        upBlocks = up
        convNormOut = GroupNorm(numGroups: c.normGroups, numChannels: channels[0], eps: c.normEps)
        convOut = Conv2d(channels[0], c.outChannels, kernelSize: 3, padding: 1, generator: generator)
        super.init()
    }

    /// diffusers' names.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "convIn": "conv_in"
        case "timeEmbedding": "time_embedding"
        case "classEmbedding": "class_embedding"
        case "downBlocks": "down_blocks"
        case "midBlock": "mid_block"
        case "upBlocks": "up_blocks"
        case "convNormOut": "conv_norm_out"
        case "convOut": "conv_out"
        default: name
        }
    }

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        let c = configuration
        return "channels: \(c.inChannels) → \(c.blockChannels) → \(c.outChannels), attention: \(c.attention), "
            + "layersPerBlock: \(c.layersPerBlock), classes: \(c.classes.map(String.init) ?? "none")"
    }

    /// The conditioning vector [N, 4·C₀] of each example: the time embedding of its timestep plus,
    /// for a class-conditional model, its class's embedding.
    public func conditioning(timesteps: [Int], classLabels: [Int]?) -> Tensor {
        var embedding = timeEmbedding(sinusoidalTimestepEmbedding(timesteps, dimension: configuration.blockChannels[0]))
        if let classEmbedding {
            let labels = classLabels ?? Array(repeating: configuration.classes ?? 0, count: timesteps.count)
            require(labels.count == timesteps.count, "UNet2D: \(labels.count) class labels for \(timesteps.count) timesteps")
            embedding = embedding + classEmbedding(IntTensor(labels))
        } else {
            require(classLabels == nil, "UNet2D: class labels given to an unconditional model")
        }
        return embedding
    }

    /// The model's prediction [N, out, H, W] for noisy images [N, in, H, W] at `timesteps` (one per
    /// image) with `classLabels` (one per image, `classes` = the null class; nil means the null
    /// class for a conditional model).
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]? = nil) -> Tensor {
        let c = configuration
        require(x.rank == 4 && x.shape[1] == c.inChannels,
                "UNet2D: expected images [N, \(c.inChannels), H, W], got \(x.shape)")
        require(c.imageProblem(height: x.shape[2], width: x.shape[3]) == nil, "UNet2D: \(c.imageProblem(height: x.shape[2], width: x.shape[3]) ?? "")")
        require(timesteps.count == x.shape[0], "UNet2D: \(timesteps.count) timesteps for \(x.shape[0]) images")
        return recordingCall {
            let embedding = conditioning(timesteps: timesteps, classLabels: classLabels)
            var h = convIn(x)
            var skips = [h]
            for block in downBlocks {
                let (output, made) = block(h, embedding)
                h = output
                skips += made
            }
            h = midBlock(h, embedding)
            for block in upBlocks {
                let count = block.resnets.count
                h = block(h, skips: Array(skips.suffix(count)), embedding)
                skips.removeLast(count)
            }
            return convOut(silu(convNormOut(h)))
        }
    }
}

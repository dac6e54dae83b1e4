import SynapseCore
import SynapseNN

/// The sizes of a `VisionTransformer`. The defaults are the Fashion-MNIST recipe of
/// `synapse train --model vit`: 28×28 grey images cut into 16 patches of 7×7, 64-wide tokens, four
/// pre-norm encoder blocks of four heads with a 128-wide GELU feed-forward block (≈139k parameters).
public struct VisionTransformerConfiguration: Sendable, Equatable {
    /// Image channels.
    public var channels = 1
    /// Image height, in pixels; a multiple of `patchSize`.
    public var height = 28
    /// Image width, in pixels; a multiple of `patchSize`.
    public var width = 28
    /// Side of a square patch, in pixels.
    public var patchSize = 7
    /// Token width.
    public var dModel = 64
    /// Number of encoder blocks.
    public var numLayers = 4
    /// Attention heads per block (must divide `dModel`).
    public var numHeads = 4
    /// Width of each block's feed-forward layer.
    public var dimFeedforward = 128
    /// Number of classes.
    public var classes = 10
    /// Dropout on the embedded tokens, inside the blocks' attention and feed-forward layers.
    public var dropout: Float = 0
    /// ε of every LayerNorm (timm's ViTs use 1e-6).
    public var layerNormEps: Float = 1e-6

    /// The recipe's sizes for `classes` classes of `channels`×`height`×`width` images.
    public init(channels: Int = 1, height: Int = 28, width: Int = 28, classes: Int = 10) {
        self.channels = channels
        self.height = height
        self.width = width
        self.classes = classes
    }

    /// Number of patch tokens (the sequence is one longer: the class token comes first).
    public var patchCount: Int { (height / patchSize) * (width / patchSize) }

    /// Trainable parameters of a model of these sizes (to refuse an oversized one before allocating it).
    public var parameterCount: Int {
        let embed = dModel * channels * patchSize * patchSize + dModel + dModel + (patchCount + 1) * dModel
        let block = 4 * dModel * dModel + 4 * dModel + 2 * dModel * dimFeedforward + dimFeedforward + dModel + 4 * dModel
        return embed + numLayers * block + 2 * dModel + dModel * classes + classes
    }

    /// Why these sizes cannot build a model, or nil when they can.
    public var problem: String? {
        if [channels, patchSize, dModel, numLayers, numHeads, dimFeedforward, classes].contains(where: { $0 <= 0 }) {
            return "channels, patch size, width, layers, heads, feed-forward width and classes must be positive"
        }
        if height % patchSize != 0 || width % patchSize != 0 {
            return "the patch size \(patchSize) must divide the image sides \(height)×\(width)"
        }
        if dModel % numHeads != 0 { return "the width \(dModel) must be divisible by the \(numHeads) heads" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must lie in [0, 1), got \(dropout)" }
        return nil
    }
}

/// A Vision Transformer classifier (Dosovitskiy et al. 2021, as timm's `VisionTransformer` with
/// `class_token=True`, `global_pool='token'`): images are cut into patches (`PatchEmbedding`), a
/// learned class token is put in front, learned position embeddings are added, pre-norm
/// `TransformerEncoderLayer`s (GELU) encode the sequence, and a final LayerNorm and linear head
/// classify the class token's output.
///
/// State-dict names are timm's for the embedding and head (`patch_embed.proj.*`, `cls_token`
/// [1, 1, D], `pos_embed` [1, 1 + patches, D], `norm.*`, `head.*`) and `torch.nn`'s inside the
/// blocks (`blocks.i.self_attn.in_proj_weight`, `linear1`, …). A timm checkpoint's block names
/// (`attn.qkv`, `attn.proj`, `mlp.fc1`, `mlp.fc2`) are renamed when it loads, so
/// `loadStateDict(timmState)` works as it is (see `TransformerEncoderLayer.adaptStateDict`).
///
/// Initialisation: PyTorch's defaults for the convolution and the blocks, position embeddings
/// N(0, 0.02²) and a zero class token, as timm.
public final class VisionTransformer: Module, PenultimateFeatureClassifier {
    /// The sizes it was built with.
    public let configuration: VisionTransformerConfiguration
    /// Patch projection (`patch_embed`).
    public let patchEmbedding: PatchEmbedding
    /// The learned class token [1, 1, D] (`cls_token`).
    public let classToken: Parameter
    /// Learned position embeddings [1, 1 + patches, D] (`pos_embed`), the class token's first.
    public let positionEmbedding: Parameter
    /// Dropout on the embedded tokens (`pos_drop`).
    public let positionDropout: Dropout
    /// The encoder blocks (pre-norm, batch-first, GELU).
    public let blocks: [TransformerEncoderLayer]
    /// Final LayerNorm.
    public let norm: LayerNorm
    /// Classification head D → classes.
    public let head: Linear

    /// A model of `configuration`'s sizes, initialised from `generator`.
    public init(_ configuration: VisionTransformerConfiguration = .init(), generator: RandomGenerator = .global) {
        let c = configuration
        require(c.problem == nil, "VisionTransformer: \(c.problem ?? "")")
        self.configuration = c
        patchEmbedding = PatchEmbedding(channels: c.channels, patchSize: c.patchSize, dModel: c.dModel, generator: generator)
        classToken = Parameter(Tensor.zeros([1, 1, c.dModel]))
        positionEmbedding = Parameter(Init.normal([1, c.patchCount + 1, c.dModel], std: 0.02, generator: generator))
        positionDropout = Dropout(p: c.dropout, generator: generator)
        blocks = (0..<c.numLayers).map { _ in
            TransformerEncoderLayer(dModel: c.dModel, numHeads: c.numHeads, dimFeedforward: c.dimFeedforward, dropout: c.dropout,
                                    activation: .gelu, layerNormEps: c.layerNormEps, batchFirst: true, normFirst: true,
                                    generator: generator)
        }
        norm = LayerNorm(c.dModel, eps: c.layerNormEps)
        head = Linear(c.dModel, c.classes, generator: generator)
        super.init()
    }

    /// timm's names for the embedding parameters.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "patchEmbedding": "patch_embed"
        case "classToken": "cls_token"
        case "positionEmbedding": "pos_embed"
        case "positionDropout": "pos_drop"
        default: name
        }
    }

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        let c = configuration
        return "image: \(c.channels)×\(c.height)×\(c.width), patchSize: \(c.patchSize), dModel: \(c.dModel), "
            + "numLayers: \(c.numLayers), numHeads: \(c.numHeads), dimFeedforward: \(c.dimFeedforward), classes: \(c.classes)"
    }

    /// Number of classes.
    public var classCount: Int { configuration.classes }

    /// The encoded token sequence [N, 1 + patches, D] after the final LayerNorm; the class
    /// token's row comes first.
    public func encode(_ x: Tensor) -> Tensor {
        let c = configuration
        require(x.rank == 4 && x.shape[1] == c.channels && x.shape[2] == c.height && x.shape[3] == c.width,
                "VisionTransformer: expected images [N, \(c.channels), \(c.height), \(c.width)], got \(x.shape)")
        let patches = patchEmbedding(x)
        let cls = classToken.value.expanded(to: [x.shape[0], 1, c.dModel])
        var tokens = positionDropout(Tensor.cat([cls, patches], dim: 1) + positionEmbedding.value)
        for block in blocks { tokens = block(tokens) }
        return norm(tokens)
    }

    /// The class token's encoding [N, D]: the head's input.
    public func penultimateFeatures(_ x: Tensor) -> Tensor { encode(x).select(dim: 1, index: 0) }

    /// The head on class-token encodings [N, D].
    public func logits(fromPenultimate features: Tensor) -> Tensor { head(features) }

    /// Class logits [N, classes] for images [N, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall { head(penultimateFeatures(x)) }
    }
}

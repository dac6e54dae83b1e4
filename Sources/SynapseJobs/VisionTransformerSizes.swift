import SynapseModels

/// The sizes of a Vision Transformer that a dataset does not fix (its image shape and classes do
/// the rest): what `synapse train --model vit` builds and records in the weights' metadata, and
/// what evaluation, prediction and serving read back to rebuild it. The defaults are the
/// Fashion-MNIST recipe (`VisionTransformerConfiguration`'s).
public struct VisionTransformerSizes: Sendable, Equatable {
    /// Side of a square patch, in pixels (metadata `patch_size`).
    public var patchSize: Int
    /// Token width (metadata `width`).
    public var dModel: Int
    /// Encoder blocks (metadata `layers`).
    public var numLayers: Int
    /// Attention heads per block (metadata `heads`).
    public var numHeads: Int
    /// Feed-forward width (metadata `mlp_width`).
    public var dimFeedforward: Int

    /// The recipe's sizes.
    public init() { self.init(VisionTransformerConfiguration()) }

    /// The sizes of `configuration`.
    public init(_ configuration: VisionTransformerConfiguration) {
        patchSize = configuration.patchSize
        dModel = configuration.dModel
        numLayers = configuration.numLayers
        numHeads = configuration.numHeads
        dimFeedforward = configuration.dimFeedforward
    }

    /// Reads the sizes from `meta`, range-checked; absent entries are the recipe's.
    /// - Throws: `PipelineError.invalidRun` naming the file and the entry at fault.
    public init(_ meta: WeightsMetadata) throws {
        self.init()
        let maxWidth = LanguageModelArchitecture.maxWidth
        patchSize = try meta.optionalInteger("patch_size", in: 1...4096) ?? patchSize
        dModel = try meta.optionalInteger("width", in: 1...maxWidth) ?? dModel
        numLayers = try meta.optionalInteger("layers", in: 1...LanguageModelArchitecture.maxLayers) ?? numLayers
        numHeads = try meta.optionalInteger("heads", in: 1...dModel) ?? numHeads
        dimFeedforward = try meta.optionalInteger("mlp_width", in: 1...maxWidth) ?? dimFeedforward
        guard dModel % numHeads == 0 else {
            throw PipelineError.invalidRun(path: meta.path, reason: "metadata width \(dModel) is not divisible by heads \(numHeads)")
        }
    }

    /// The metadata entries describing them.
    public var metadata: [String: String] {
        ["patch_size": String(patchSize), "width": String(dModel), "layers": String(numLayers), "heads": String(numHeads),
         "mlp_width": String(dimFeedforward)]
    }

    /// One line for logs and errors: "patch 7, width 64, 4 layers, 4 heads, mlp 128".
    public var summary: String {
        "patch \(patchSize), width \(dModel), \(numLayers) layers, \(numHeads) heads, mlp \(dimFeedforward)"
    }

    /// The full configuration for `classes` classes of `channels`×`height`×`width` images.
    public func configuration(channels: Int, height: Int, width: Int, classes: Int) -> VisionTransformerConfiguration {
        var c = VisionTransformerConfiguration(channels: channels, height: height, width: width, classes: classes)
        c.patchSize = patchSize
        c.dModel = dModel
        c.numLayers = numLayers
        c.numHeads = numHeads
        c.dimFeedforward = dimFeedforward
        return c
    }
}

import SynapseCore

/// Cuts images into non-overlapping square patches and projects each to a vector (timm's
/// `PatchEmbed`, the first layer of a Vision Transformer): a `Conv2d` whose kernel and stride are
/// the patch size, its output flattened to one token per patch, in row-major patch order.
///
/// [N, C, H, W] → [N, (H / patch)·(W / patch), dModel]. State-dict names are timm's: `proj.weight`
/// [dModel, C, patch, patch] and `proj.bias`.
public final class PatchEmbedding: Module, Layer {
    /// The projection: kernel and stride `patchSize`.
    public let proj: Conv2d
    /// Side of a square patch, in pixels.
    public let patchSize: Int

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "channels: \(proj.weight.shape[1]), patchSize: \(patchSize), dModel: \(dModel)"
    }

    /// Patches of `patchSize`×`patchSize` pixels of `channels`-channel images, projected to
    /// `dModel` values (PyTorch's default `Conv2d` initialisation from `generator`).
    public init(channels: Int, patchSize: Int, dModel: Int, generator: RandomGenerator = .global) {
        require(channels > 0 && patchSize > 0 && dModel > 0,
                "PatchEmbedding: channels, patchSize and dModel must be positive, got \(channels), \(patchSize), \(dModel)")
        proj = Conv2d(channels, dModel, kernelSize: patchSize, stride: patchSize, generator: generator)
        self.patchSize = patchSize
        super.init()
    }

    /// Width of a patch's vector.
    public var dModel: Int { proj.weight.shape[0] }

    /// The number of patches an `height`×`width` image makes.
    public func patchCount(height: Int, width: Int) -> Int { (height / patchSize) * (width / patchSize) }

    /// Patch tokens [N, patches, dModel] of images [N, C, H, W] whose sides are multiples of the
    /// patch size (a partial patch would be dropped silently, so it is refused).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let c = proj.weight.shape[1]
            require(x.rank == 4 && x.shape[1] == c && x.shape[2] % patchSize == 0 && x.shape[3] % patchSize == 0,
                    "PatchEmbedding(patchSize: \(patchSize)): expected images [N, \(c), H, W] with H and W multiples of \(patchSize), got \(x.shape)")
            // [N, D, H/p, W/p] → [N, D, P] → [N, P, D]
            return proj(x).flattened(startDim: 2).transposed(1, 2)
        }
    }
}

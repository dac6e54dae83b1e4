import SynapseCore

/// Mirrors an image left to right with a given probability (torchvision's `RandomHorizontalFlip`).
///
/// Applies to one example of shape `[C, H, W]` (or `[H, W]`); all channels flip together. Draws one
/// number per example whether or not it flips.
public struct RandomHorizontalFlip: RandomTransform {
    /// Chance that an example is flipped, in [0, 1].
    public let probability: Float

    /// Flips each example with chance `probability`.
    public init(probability: Float = 0.5) {
        require(probability >= 0 && probability <= 1, "RandomHorizontalFlip: probability \(probability) not in [0, 1]")
        self.probability = probability
    }

    /// `image`, mirrored along its last dimension with chance `probability`.
    public func callAsFunction(_ image: Tensor, using generator: RandomGenerator) -> Tensor {
        let layout = ImageLayout(image.shape, op: "RandomHorizontalFlip")
        guard generator.nextUniform() < probability else { return image }
        return Self.flipped(image, layout: layout)
    }

    /// `image` mirrored along its last dimension.
    static func flipped(_ image: Tensor, layout: ImageLayout) -> Tensor {
        let w = layout.width, rows = layout.planes * layout.height
        return image.withUnsafeBufferPointer { src in
            Tensor(shape: image.shape) { dst in
                for r in 0..<rows {
                    let s = src.baseAddress! + r * w, d = dst.baseAddress! + r * w
                    for j in 0..<w { d[j] = s[w - 1 - j] }
                }
            }
        }
    }
}

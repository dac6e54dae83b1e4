import SynapseCore

/// Pads an image with zeros on every side, then cuts out a `height×width` window at a random
/// position (torchvision's `RandomCrop(size, padding)`, the CIFAR/MNIST shift augmentation).
///
/// Applies to one example of shape `[C, H, W]` (or `[H, W]`); every channel is cut at the same
/// position. Draws two numbers per example: the top and the left offset in the padded image.
public struct RandomCrop: RandomTransform {
    /// Output height.
    public let height: Int
    /// Output width.
    public let width: Int
    /// Zeros added on each side before cropping.
    public let padding: Int

    /// Crops `height×width` windows from the image padded by `padding` zeros on each side.
    public init(height: Int, width: Int, padding: Int = 0) {
        require(height >= 1 && width >= 1 && padding >= 0,
                "RandomCrop: needs a positive size and non-negative padding, got \(height)x\(width), padding \(padding)")
        self.height = height
        self.width = width
        self.padding = padding
    }

    /// Crops `size×size` windows from the image padded by `padding` zeros on each side.
    public init(size: Int, padding: Int = 0) { self.init(height: size, width: size, padding: padding) }

    /// A random `height×width` window of `image` padded with zeros.
    public func callAsFunction(_ image: Tensor, using generator: RandomGenerator) -> Tensor {
        let layout = ImageLayout(image.shape, op: "RandomCrop")
        let paddedH = layout.height + 2 * padding, paddedW = layout.width + 2 * padding
        require(height <= paddedH && width <= paddedW,
                "RandomCrop: window \(height)x\(width) larger than the padded image \(paddedH)x\(paddedW) of shape \(image.shape)")
        let top = generator.nextInt(below: paddedH - height + 1) - padding
        let left = generator.nextInt(below: paddedW - width + 1) - padding
        return crop(image, layout: layout, top: top, left: left)
    }

    /// The window whose top-left corner is at (`top`, `left`) of the unpadded image (negative
    /// offsets reach into the zero padding).
    func crop(_ image: Tensor, layout: ImageLayout, top: Int, left: Int) -> Tensor {
        let (h, w, planes) = (layout.height, layout.width, layout.planes)
        // Source columns that land inside the image, the same for every row.
        let firstColumn = Swift.max(0, -left), lastColumn = Swift.min(width, w - left)
        return image.withUnsafeBufferPointer { src in
            Tensor(shape: Array(image.shape.dropLast(2)) + [height, width]) { dst in
                dst.initialize(repeating: 0)
                guard firstColumn < lastColumn else { return }
                for p in 0..<planes {
                    for i in 0..<height {
                        let row = top + i
                        guard row >= 0 && row < h else { continue }
                        let from = src.baseAddress! + p * h * w + row * w + left + firstColumn
                        let to = dst.baseAddress! + p * height * width + i * width + firstColumn
                        to.update(from: from, count: lastColumn - firstColumn)
                    }
                }
            }
        }
    }
}

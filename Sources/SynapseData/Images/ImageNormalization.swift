import SynapseCore

/// Per-channel standardisation of `N×C×H×W` images, `(x - mean[c]) / std[c]` (torchvision's
/// `Normalize`), with the statistics measured on a training split only so that nothing about the
/// test images leaks into training.
public struct ImageNormalization: Sendable, Equatable, Codable {
    /// Mean of each channel.
    public var mean: [Float]
    /// Standard deviation of each channel (population; a constant channel gets 1, so it maps to 0).
    public var std: [Float]

    /// Normalisation by the given statistics.
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// The statistics of `images` (`N×C×H×W`), per channel over every example and pixel.
    /// - Precondition: `images` has rank 4 and at least one element.
    public static func fitted(on images: Tensor) -> ImageNormalization {
        precondition(images.shape.count == 4 && images.count > 0, "ImageNormalization.fitted: needs N×C×H×W images, got \(images.shape)")
        let (n, c, plane) = (images.shape[0], images.shape[1], images.shape[2] * images.shape[3])
        let values = images.contiguous().scalars
        var mean = [Float](), std = [Float]()
        for channel in 0..<c {
            var sum = 0.0, squares = 0.0
            for example in 0..<n {
                let base = (example * c + channel) * plane
                for i in base..<(base + plane) {
                    let v = Double(values[i])
                    sum += v
                    squares += v * v
                }
            }
            let count = Double(n * plane)
            let m = sum / count
            let s = max(squares / count - m * m, 0).squareRoot()
            mean.append(Float(m))
            std.append(s > 1e-6 ? Float(s) : 1)
        }
        return ImageNormalization(mean: mean, std: std)
    }

    /// `images` (`N×C×H×W`, C equal to the number of statistics) normalised.
    /// - Precondition: the channel counts agree.
    public func apply(to images: Tensor) -> Tensor {
        precondition(images.shape.count == 4 && images.shape[1] == mean.count,
                     "ImageNormalization.apply: images of shape \(images.shape) for \(mean.count) channel statistics")
        let (c, plane) = (images.shape[1], images.shape[2] * images.shape[3])
        var values = images.contiguous().scalars
        for i in values.indices {
            let channel = (i / plane) % c
            values[i] = (values[i] - mean[channel]) / std[channel]
        }
        return Tensor(shape: images.shape, scalars: values)
    }
}

/// Adds independent Gaussian noise to every element (a robustness augmentation for images or
/// features of any shape).
///
/// Draws one normal number per element. Values are not clamped: clamp afterwards if the model needs
/// pixels to stay in [0, 1].
public struct GaussianNoise: RandomTransform {
    /// Mean of the noise.
    public let mean: Float
    /// Standard deviation of the noise.
    public let standardDeviation: Float

    /// Noise drawn from N(`mean`, `standardDeviation`²).
    public init(mean: Float = 0, standardDeviation: Float) {
        require(standardDeviation >= 0 && standardDeviation.isFinite,
                "GaussianNoise: standardDeviation must be finite and non-negative, got \(standardDeviation)")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// `value` plus fresh noise in every element.
    public func callAsFunction(_ value: Tensor, using generator: RandomGenerator) -> Tensor {
        value.withUnsafeBufferPointer { src in
            Tensor(shape: value.shape) { dst in
                for i in 0..<src.count { dst[i] = src[i] + mean + standardDeviation * generator.nextNormal() }
            }
        }
    }
}

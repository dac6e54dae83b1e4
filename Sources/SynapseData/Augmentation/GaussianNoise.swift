import Foundation
import SynapseCore

/// Adds independent Gaussian noise to every element (a robustness augmentation for images or
/// features of any shape).
///
/// Draws one 64-bit number per pair of elements: two 24-bit uniforms feed a Box-Muller transform that
/// yields both of its normals (tails reach about 5.8 standard deviations, plenty for augmentation).
/// That is a quarter of the generator calls and half the logarithms of drawing each normal apart.
/// Values are not clamped: clamp afterwards if the model needs pixels to stay in [0, 1].
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
                let n = src.count
                var i = 0
                while i < n {
                    let bits = generator.next()
                    let u1 = Float((bits >> 40) + 1) * (1 / 16_777_216)          // (0, 1]: log is finite
                    let u2 = Float((bits >> 16) & 0xFF_FFFF) * (1 / 16_777_216)  // [0, 1)
                    let radius = standardDeviation * (-2 * Foundation.log(u1)).squareRoot()
                    let angle = 2 * Float.pi * u2
                    dst[i] = src[i] + mean + radius * Foundation.cos(angle)
                    if i + 1 < n { dst[i + 1] = src[i + 1] + mean + radius * Foundation.sin(angle) }
                    i += 2
                }
            }
        }
    }
}

import Foundation
import SynapseCore
import SynapseNN

/// The sinusoidal embedding of diffusion timesteps [N] → [N, dimension], as diffusers'
/// `get_timestep_embedding(t, dimension, flip_sin_to_cos=True, downscale_freq_shift=0)` used by
/// `UNet2DModel`'s `time_proj`: the cosines of t·ωᵢ, then their sines, ωᵢ = maxPeriod^(−i/half).
///
/// Computed in Float32 in the same order as diffusers, so that late timesteps (angles near 1000
/// radians) round as they do there; a Double computation would differ by ~1e-4 at t = 999.
public func sinusoidalTimestepEmbedding(_ timesteps: [Int], dimension: Int, maxPeriod: Float = 10_000) -> Tensor {
    require(dimension >= 2 && dimension % 2 == 0, "sinusoidalTimestepEmbedding: the dimension must be even and ≥ 2, got \(dimension)")
    let half = dimension / 2
    let logPeriod = -Float(log(Double(maxPeriod)))
    let frequencies = (0..<half).map { i in expf(logPeriod * Float(i) / Float(half)) }
    var out = [Float](repeating: 0, count: timesteps.count * dimension)
    for (n, t) in timesteps.enumerated() {
        for i in 0..<half {
            let angle = Float(t) * frequencies[i]
            out[n * dimension + i] = cosf(angle)
            out[n * dimension + half + i] = sinf(angle)
        }
    }
    return Tensor(shape: [timesteps.count, dimension], scalars: out)
}

/// diffusers' `TimestepEmbedding`: `linear_1`, SiLU, `linear_2`, turning the sinusoidal embedding
/// into the vector every residual block of a `UNet2D` is conditioned on.
public final class TimestepMLP: Module, Layer {
    /// The first projection (`linear_1`).
    public let linear1: Linear
    /// The second projection (`linear_2`).
    public let linear2: Linear

    /// From `inFeatures` sinusoidal features to `outFeatures`.
    public init(_ inFeatures: Int, _ outFeatures: Int, generator: RandomGenerator = .global) {
        linear1 = Linear(inFeatures, outFeatures, generator: generator)
        linear2 = Linear(outFeatures, outFeatures, generator: generator)
        super.init()
    }

    /// diffusers' names.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "linear1": "linear_1"
        case "linear2": "linear_2"
        default: name
        }
    }

    /// [N, inFeatures] → [N, outFeatures].
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { linear2(silu(linear1(x))) } }
}

import Foundation
import SynapseCore

/// How the noise variance β grows over a diffusion model's training steps.
public enum NoiseSchedule: String, Sendable, CaseIterable {
    /// β rises linearly from `betaStart` to `betaEnd` (Ho et al. 2020; diffusers' `"linear"`).
    case linear
    /// ᾱ follows a squared cosine, β capped at 0.999 (Nichol & Dhariwal 2021; diffusers'
    /// `"squaredcos_cap_v2"`).
    case cosine
}

/// What a diffusion model predicts from a noisy sample (diffusers' `prediction_type`).
public enum DiffusionPrediction: String, Sendable, CaseIterable {
    /// The noise ε that was added (`"epsilon"`).
    case epsilon
    /// The velocity v = √ᾱ·ε − √(1 − ᾱ)·x₀ (Salimans & Ho 2022; `"v_prediction"`).
    case velocity = "v_prediction"
    /// The clean sample x₀ itself (`"sample"`).
    case sample
}

/// The forward (noising) process of a diffusion model: β per training step and the cumulative
/// products ᾱ_t = ∏(1 − β_s), as diffusers' `DDPMScheduler` and `DDIMScheduler` compute them.
///
/// diffusers computes β and ᾱ in float32; this type keeps them in `Double`, which agrees with
/// diffusers within float32 rounding (checked in `DiffusionSchedulerTests`).
public struct DiffusionSchedule: Sendable, Equatable {
    /// Number of training steps T (timesteps 0..<T).
    public let trainingSteps: Int
    /// The schedule's kind.
    public let kind: NoiseSchedule
    /// β_t for t in 0..<T.
    public let betas: [Double]
    /// ᾱ_t = ∏_{s ≤ t} (1 − β_s).
    public let alphasCumprod: [Double]

    /// A schedule of `trainingSteps` steps; `betaStart` and `betaEnd` apply to the linear schedule
    /// (diffusers' defaults: 1e-4 and 0.02 over 1000 steps).
    public init(trainingSteps: Int = 1000, kind: NoiseSchedule = .linear, betaStart: Double = 1e-4, betaEnd: Double = 0.02) {
        require(trainingSteps > 1, "DiffusionSchedule: needs at least 2 training steps, got \(trainingSteps)")
        require(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd,
                "DiffusionSchedule: needs 0 < betaStart ≤ betaEnd < 1, got \(betaStart), \(betaEnd)")
        self.trainingSteps = trainingSteps
        self.kind = kind
        switch kind {
        case .linear:
            let n = Double(trainingSteps - 1)
            betas = (0..<trainingSteps).map { betaStart + (betaEnd - betaStart) * Double($0) / n }
        case .cosine:
            func alphaBar(_ t: Double) -> Double { let c = cos((t + 0.008) / 1.008 * Double.pi / 2); return c * c }
            let n = Double(trainingSteps)
            betas = (0..<trainingSteps).map { i in min(1 - alphaBar(Double(i + 1) / n) / alphaBar(Double(i) / n), 0.999) }
        }
        var product = 1.0
        alphasCumprod = betas.map { product *= 1 - $0; return product }
    }

    /// ᾱ at `timestep`, or 1 before the first step (a negative timestep: the clean sample, where a
    /// sampler's last step lands).
    public func alphaCumprod(_ timestep: Int) -> Double {
        require(timestep < trainingSteps, "DiffusionSchedule: timestep \(timestep) beyond the last, \(trainingSteps - 1)")
        return timestep < 0 ? 1 : alphasCumprod[timestep]
    }

    /// Per-example factors [N, 1, …, 1] (rank of `like`) from `values` (one per example).
    private func perExample(_ values: [Double], like x: Tensor) -> Tensor {
        require(x.rank >= 1 && values.count == x.shape[0],
                "DiffusionSchedule: \(values.count) timesteps for a batch of shape \(x.shape)")
        return Tensor(shape: [values.count] + Array(repeating: 1, count: x.rank - 1), scalars: values.map(Float.init))
    }

    private func checked(_ timesteps: [Int]) -> [Int] {
        for t in timesteps { require(t >= 0 && t < trainingSteps, "DiffusionSchedule: timestep \(t) outside 0..<\(trainingSteps)") }
        return timesteps
    }

    /// The noisy sample x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε for one timestep per example (diffusers'
    /// `add_noise`). `x0` and `noise` are [N, …]; `timesteps` has N entries.
    public func addNoise(_ x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        require(x0.shape == noise.shape, "DiffusionSchedule.addNoise: x0 \(x0.shape) and noise \(noise.shape) differ")
        let a = checked(timesteps).map { alphasCumprod[$0] }
        return perExample(a.map { $0.squareRoot() }, like: x0) * x0 + perExample(a.map { (1 - $0).squareRoot() }, like: x0) * noise
    }

    /// The v-prediction target v = √ᾱ_t·ε − √(1 − ᾱ_t)·x₀ (diffusers' `get_velocity`).
    public func velocity(_ x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        require(x0.shape == noise.shape, "DiffusionSchedule.velocity: x0 \(x0.shape) and noise \(noise.shape) differ")
        let a = checked(timesteps).map { alphasCumprod[$0] }
        return perExample(a.map { $0.squareRoot() }, like: x0) * noise - perExample(a.map { (1 - $0).squareRoot() }, like: x0) * x0
    }

    /// What a model trained for `prediction` should output for `x0` noised with `noise`.
    public func target(_ prediction: DiffusionPrediction, x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        switch prediction {
        case .epsilon: noise
        case .velocity: velocity(x0, noise: noise, timesteps: timesteps)
        case .sample: x0
        }
    }

    /// `count` inference timesteps spread with diffusers' `"leading"` spacing: every
    /// (T / count)-th step from 0, in descending order.
    public func inferenceTimesteps(_ count: Int) -> [Int] {
        require(count >= 1 && count <= trainingSteps, "DiffusionSchedule: \(count) inference steps for \(trainingSteps) training steps")
        let ratio = trainingSteps / count
        return (0..<count).map { $0 * ratio }.reversed()
    }

    /// The model's estimates of the clean sample x̂₀ and of the noise ε̂ from its output at `t`.
    func estimates(_ output: Tensor, sample: Tensor, timestep t: Int, prediction: DiffusionPrediction) -> (x0: Tensor, epsilon: Tensor) {
        let a = alphasCumprod[t], b = 1 - a
        let sa = Float(a.squareRoot()), sb = Float(b.squareRoot())
        switch prediction {
        case .epsilon: return ((sample - sb * output) * (1 / sa), output)
        case .velocity: return (sa * sample - sb * output, sa * output + sb * sample)
        case .sample: return (output, (sample - sa * output) * (1 / sb))
        }
    }
}

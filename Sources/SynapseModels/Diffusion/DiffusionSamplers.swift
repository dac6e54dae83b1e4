import SynapseCore

/// One reverse step of a diffusion sampler: the sample at the previous (less noisy) timestep
/// and the model's estimate of the clean sample.
public struct DiffusionStep {
    /// x_{t−1} (or x at the previous inference timestep).
    public let previousSample: Tensor
    /// The estimate x̂₀ of the clean sample at this step.
    public let predictedOriginal: Tensor
}

/// A reverse process that turns noise into a sample in `timesteps.count` model calls.
public protocol DiffusionSampler: Sendable {
    /// The noising process the model was trained with.
    var schedule: DiffusionSchedule { get }
    /// What the model predicts.
    var prediction: DiffusionPrediction { get }
    /// The timesteps at which the model is called, in descending order.
    var timesteps: [Int] { get }
    /// One reverse step from `sample` at `timestep` given the model's output there; `noise` (shaped
    /// like `sample`) is the fresh Gaussian noise a stochastic step adds.
    func step(modelOutput: Tensor, timestep: Int, sample: Tensor, noise: Tensor) -> DiffusionStep
}

extension DiffusionSampler {
    /// The inference timestep after `timestep` (negative after the last: the clean sample).
    public func previousTimestep(_ timestep: Int) -> Int { timestep - schedule.trainingSteps / timesteps.count }

    /// Runs the whole reverse process from pure noise of `shape`: `model(x_t, t)` is called once per
    /// timestep; every draw comes from `generator`.
    public func sample(shape: [Int], generator: RandomGenerator, model: (Tensor, Int) -> Tensor) -> Tensor {
        var x = Tensor.randn(shape, generator: generator)
        for t in timesteps {
            let output = model(x, t)
            require(output.shape == x.shape, "\(Self.self).sample: the model returned \(output.shape) for a sample of \(x.shape)")
            x = step(modelOutput: output, timestep: t, sample: x, noise: Tensor.randn(shape, generator: generator)).previousSample
        }
        return x
    }
}

/// The DDPM sampler (Ho et al. 2020) as diffusers' `DDPMScheduler` with `variance_type="fixed_small"`
/// and `"leading"` timestep spacing: x_{t'} = c₀·x̂₀ + c_t·x_t + σ·z with the posterior mean's
/// coefficients and σ² = (1 − ᾱ_{t'}) / (1 − ᾱ_t)·β̃, β̃ = 1 − ᾱ_t/ᾱ_{t'} (no noise at t = 0).
/// With fewer inference steps than training steps, t' is the previous inference timestep.
public struct DDPMSampler: DiffusionSampler {
    /// The noising process.
    public let schedule: DiffusionSchedule
    /// What the model predicts.
    public let prediction: DiffusionPrediction
    /// Clip x̂₀ to [−clipRange, clipRange] (diffusers' `clip_sample`, on by default there).
    public let clipSample: Bool
    /// The clipping bound.
    public let clipRange: Float
    /// The inference timesteps, descending.
    public let timesteps: [Int]

    /// A sampler calling the model `inferenceSteps` times (nil: every training step).
    public init(schedule: DiffusionSchedule, prediction: DiffusionPrediction = .epsilon, inferenceSteps: Int? = nil,
                clipSample: Bool = true, clipRange: Float = 1) {
        self.schedule = schedule
        self.prediction = prediction
        self.clipSample = clipSample
        self.clipRange = clipRange
        timesteps = schedule.inferenceTimesteps(inferenceSteps ?? schedule.trainingSteps)
    }

    /// The variance σ² of the noise added when stepping from `timestep`.
    public func variance(_ timestep: Int) -> Double {
        let a = schedule.alphaCumprod(timestep), aPrev = schedule.alphaCumprod(previousTimestep(timestep))
        return max((1 - aPrev) / (1 - a) * (1 - a / aPrev), 1e-20)
    }

    public func step(modelOutput: Tensor, timestep t: Int, sample: Tensor, noise: Tensor) -> DiffusionStep {
        require(modelOutput.shape == sample.shape && noise.shape == sample.shape,
                "DDPMSampler.step: model output \(modelOutput.shape), sample \(sample.shape) and noise \(noise.shape) must agree")
        let a = schedule.alphaCumprod(t), aPrev = schedule.alphaCumprod(previousTimestep(t))
        let beta = 1 - a, betaPrev = 1 - aPrev, currentAlpha = a / aPrev, currentBeta = 1 - currentAlpha
        var x0 = schedule.estimates(modelOutput, sample: sample, timestep: t, prediction: prediction).x0
        if clipSample { x0 = clamp(x0, min: -clipRange, max: clipRange) }
        let c0 = Float(aPrev.squareRoot() * currentBeta / beta), ct = Float(currentAlpha.squareRoot() * betaPrev / beta)
        var previous = c0 * x0 + ct * sample
        if t > 0 { previous = previous + Float(variance(t).squareRoot()) * noise }
        return DiffusionStep(previousSample: previous, predictedOriginal: x0)
    }
}

/// The DDIM sampler (Song et al. 2021) as diffusers' `DDIMScheduler` with `set_alpha_to_one=True`
/// and `"leading"` spacing: x_{t'} = √ᾱ_{t'}·x̂₀ + √(1 − ᾱ_{t'} − σ²)·ε̂ + σ·z, with
/// σ = η·√((1 − ᾱ_{t'})/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_{t'})): deterministic at η = 0, DDPM-like at η = 1.
public struct DDIMSampler: DiffusionSampler {
    /// The noising process.
    public let schedule: DiffusionSchedule
    /// What the model predicts.
    public let prediction: DiffusionPrediction
    /// η: 0 for the deterministic sampler.
    public let eta: Double
    /// Clip x̂₀ to [−clipRange, clipRange] (diffusers' `clip_sample`).
    public let clipSample: Bool
    /// The clipping bound.
    public let clipRange: Float
    /// The inference timesteps, descending.
    public let timesteps: [Int]

    /// A sampler calling the model `inferenceSteps` times.
    public init(schedule: DiffusionSchedule, prediction: DiffusionPrediction = .epsilon, inferenceSteps: Int = 50, eta: Double = 0,
                clipSample: Bool = false, clipRange: Float = 1) {
        require(eta >= 0, "DDIMSampler: eta must be at least 0, got \(eta)")
        self.schedule = schedule
        self.prediction = prediction
        self.eta = eta
        self.clipSample = clipSample
        self.clipRange = clipRange
        timesteps = schedule.inferenceTimesteps(inferenceSteps)
    }

    public func step(modelOutput: Tensor, timestep t: Int, sample: Tensor, noise: Tensor) -> DiffusionStep {
        require(modelOutput.shape == sample.shape && noise.shape == sample.shape,
                "DDIMSampler.step: model output \(modelOutput.shape), sample \(sample.shape) and noise \(noise.shape) must agree")
        let a = schedule.alphaCumprod(t), aPrev = schedule.alphaCumprod(previousTimestep(t))
        let estimates = schedule.estimates(modelOutput, sample: sample, timestep: t, prediction: prediction)
        var x0 = estimates.x0
        let epsilon = estimates.epsilon
        // Like diffusers (use_clipped_model_output=False), ε̂ stays the model's even when x̂₀ is clipped.
        if clipSample { x0 = clamp(x0, min: -clipRange, max: clipRange) }
        let variance = (1 - aPrev) / (1 - a) * (1 - a / aPrev)
        let sigma = eta * variance.squareRoot()
        var previous = Float(aPrev.squareRoot()) * x0 + Float(max(1 - aPrev - sigma * sigma, 0).squareRoot()) * epsilon
        if eta > 0 { previous = previous + Float(sigma) * noise }
        return DiffusionStep(previousSample: previous, predictedOriginal: x0)
    }
}

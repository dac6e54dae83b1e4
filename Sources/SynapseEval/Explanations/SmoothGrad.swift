import SynapseCore
import SynapseNN

/// SmoothGrad (Smilkov et al. 2017): the mean saliency over copies of the input with Gaussian noise
/// added, which removes much of plain saliency's speckle. Captum's
/// `NoiseTunnel(Saliency).attribute(nt_type="smoothgrad", nt_samples:, stdevs:)`.
public struct SmoothGrad: AttributionMethod {
    /// Noisy copies averaged per example.
    public var samples: Int
    /// Standard deviation of the Gaussian noise, in input units (Captum's `stdevs`). Smilkov et al.
    /// recommend 10-20% of the input range: 0.15 suits images scaled to [0, 1].
    public var noise: Float
    /// Whether each copy's gradient enters as its absolute value (Captum's Saliency default).
    public var absolute: Bool
    /// Seed of the noise, so an explanation reproduces.
    public var seed: UInt64

    /// SmoothGrad with `samples` copies of noise `noise` (σ in input units).
    public init(samples: Int = 50, noise: Float = 0.15, absolute: Bool = true, seed: UInt64 = 0) {
        self.samples = samples
        self.noise = noise
        self.absolute = absolute
        self.seed = seed
    }

    /// `smoothgrad`.
    public var name: String { "smoothgrad" }

    /// The mean (absolute) input gradient over `samples` noisy copies of each example.
    public func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution {
        guard samples >= 1, samples <= 10_000 else { throw .invalidSettings("SmoothGrad samples must be 1 to 10000, got \(samples)") }
        guard noise >= 0, noise.isFinite else { throw .invalidSettings("SmoothGrad noise must be finite and ≥ 0, got \(noise)") }
        let generator = RandomGenerator(seed: seed)
        let noiseSamples = (0..<samples).map { _ in
            Tensor(shape: inputs.shape, scalars: (0..<inputs.count).map { _ in noise * generator.nextNormal() })
        }
        return try attribute(model, inputs: inputs, targets: targets, noiseSamples: noiseSamples)
    }

    /// SmoothGrad with the given noise tensors (each the shape of `inputs`), which is what tests
    /// compare against a reference computed on the same noise.
    func attribute(_ model: any Layer, inputs: Tensor, targets: [Int], noiseSamples: [Tensor]) throws(ExplanationError) -> Attribution {
        try TargetOutputs.check(inputs: inputs, targets: targets, classes: TargetOutputs.classCount(model, inputs: inputs))
        let x = inputs.contiguous().scalars
        var noisy: [Float] = []
        noisy.reserveCapacity(x.count * noiseSamples.count)
        for n in noiseSamples { noisy += zip(x, n.contiguous().scalars).map { $0 + $1 } }
        let batch = Tensor(shape: [inputs.shape[0] * noiseSamples.count] + inputs.shape.dropFirst(), scalars: noisy)
        let (gradient, _) = TargetOutputs.gradient(model, inputs: batch, targets: Array(repeating: targets, count: noiseSamples.count).flatMap { $0 })
        let g = gradient.scalars
        var mean = [Float](repeating: 0, count: x.count)
        let scale = 1 / Float(noiseSamples.count)
        for k in 0..<noiseSamples.count {
            let offset = k * x.count
            for i in 0..<x.count { mean[i] += (absolute ? abs(g[offset + i]) : g[offset + i]) * scale }
        }
        return Attribution(values: Tensor(shape: inputs.shape, scalars: mean), method: name, targets: targets,
                           outputs: TargetOutputs.logits(model, inputs: inputs, targets: targets), steps: noiseSamples.count)
    }
}

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
        let generator = RandomGenerator(seed: seed), count = inputs.count, sigma = noise
        // Drawn in order, one copy at a time, so memory stays that of a chunk.
        return try attribute(model, inputs: inputs, targets: targets, samples: samples) { _ in
            (0..<count).map { _ in sigma * generator.nextNormal() }
        }
    }

    /// SmoothGrad with the given noise tensors (each the shape of `inputs`), which is what tests
    /// compare against a reference computed on the same noise.
    func attribute(_ model: any Layer, inputs: Tensor, targets: [Int], noiseSamples: [Tensor]) throws(ExplanationError) -> Attribution {
        try attribute(model, inputs: inputs, targets: targets, samples: noiseSamples.count) { noiseSamples[$0].contiguous().scalars }
    }

    /// SmoothGrad over `samples` copies, copy k's noise from `noise(k)` (called in order), the
    /// copies' gradients taken a chunk at a time.
    private func attribute(_ model: any Layer, inputs: Tensor, targets: [Int], samples: Int,
                           noise: (Int) -> [Float]) throws(ExplanationError) -> Attribution {
        try TargetOutputs.validate(model, inputs: inputs, targets: targets)
        let x = inputs.contiguous().scalars
        let perChunk = max(1, (1 << 22) / max(x.count, 1))
        var mean = [Double](repeating: 0, count: x.count)
        var k = 0
        while k < samples {
            let end = min(k + perChunk, samples)
            var noisy: [Float] = []
            noisy.reserveCapacity(x.count * (end - k))
            for j in k..<end { noisy += zip(x, noise(j)).map { $0 + $1 } }
            let batch = Tensor(shape: [inputs.shape[0] * (end - k)] + inputs.shape.dropFirst(), scalars: noisy)
            let g = TargetOutputs.gradient(model, inputs: batch, targets: Array(repeating: targets, count: end - k).flatMap { $0 }).gradient.scalars
            for j in 0..<(end - k) {
                let offset = j * x.count
                for i in 0..<x.count { mean[i] += Double(absolute ? abs(g[offset + i]) : g[offset + i]) }
            }
            k = end
        }
        let values = mean.map { Float($0 / Double(samples)) }
        return Attribution(values: Tensor(shape: inputs.shape, scalars: values), method: name, targets: targets,
                           outputs: TargetOutputs.logits(model, inputs: inputs, targets: targets), steps: samples)
    }
}

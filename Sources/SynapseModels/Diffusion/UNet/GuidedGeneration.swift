import SynapseCore
import SynapseNN

extension UNet2D {
    /// The null class of classifier-free guidance: the class-embedding row that stands for "no
    /// class" (`classes`), or nil for an unconditional model.
    public var nullClass: Int? { configuration.classes }

    /// The prediction for `x` at `timestep` steered towards `classLabels` by classifier-free
    /// guidance (Ho & Salimans 2022): ε̂ = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)). A scale of 1 is the
    /// plain conditional prediction (one model call); larger scales trade diversity for
    /// class fidelity. The conditional and unconditional halves run as one batch.
    public func guidedPrediction(_ x: Tensor, timestep: Int, classLabels: [Int]?, guidanceScale: Float) -> Tensor {
        let n = x.shape[0]
        guard let null = nullClass, let labels = classLabels, guidanceScale != 1 else {
            return self(x, timesteps: Array(repeating: timestep, count: n), classLabels: nullClass == nil ? nil : classLabels)
        }
        let both = self(Tensor.cat([x, x], dim: 0), timesteps: Array(repeating: timestep, count: 2 * n),
                        classLabels: labels + Array(repeating: null, count: n))
        let conditional = both.slice(dim: 0, start: 0, end: n), unconditional = both.slice(dim: 0, start: n, end: 2 * n)
        return unconditional + (conditional - unconditional) * guidanceScale
    }

    /// Generates one image per entry of `classLabels` (nil entries: as many unconditional images as
    /// `count`) by running `sampler` from pure noise, in evaluation mode and without gradients, in
    /// chunks of at most `chunkSize` images. Returns [count, C, H, W] in the training scale [−1, 1],
    /// clamped (the last step's estimate can overshoot slightly).
    /// - Parameters:
    ///   - imageShape: [C, H, W] of one image.
    ///   - generator: every draw (initial noise and the stochastic steps) comes from it, so a seed
    ///     reproduces the images.
    public func generate(classLabels: [Int]?, count: Int, imageShape: [Int], sampler: any DiffusionSampler,
                         guidanceScale: Float = 1, chunkSize: Int = 128, generator: RandomGenerator) -> Tensor {
        require(imageShape.count == 3 && imageShape[0] == configuration.inChannels,
                "UNet2D.generate: expected an image shape [\(configuration.inChannels), H, W], got \(imageShape)")
        if let labels = classLabels { require(labels.count == count, "UNet2D.generate: \(labels.count) class labels for \(count) images") }
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        return withoutGradients {
            var chunks: [Tensor] = []
            var start = 0
            while start < count {
                let end = min(start + max(chunkSize, 1), count)
                let labels = classLabels.map { Array($0[start..<end]) }
                let images = sampler.sample(shape: [end - start] + imageShape, generator: generator) { x, t in
                    guidedPrediction(x, timestep: t, classLabels: labels, guidanceScale: guidanceScale)
                }
                chunks.append(clamp(images, min: -1, max: 1))
                start = end
            }
            return chunks.count == 1 ? chunks[0] : Tensor.cat(chunks, dim: 0)
        }
    }
}

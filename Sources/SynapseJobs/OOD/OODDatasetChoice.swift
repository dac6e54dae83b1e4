import SynapseCore
import SynapseData

/// The out-of-distribution inputs `synapse ood` evaluates against: another built-in image dataset,
/// or images derived from the in-distribution test split.
public enum OODDatasetChoice: String, Sendable, CaseIterable {
    /// Fashion-MNIST's test split (out of distribution for an MNIST model).
    case fashionMNIST = "fashion-mnist"
    /// MNIST's test split (out of distribution for a Fashion-MNIST model: the literature's pairing).
    case mnist
    /// Uniform noise images, each pixel independent in [0, 1], as many as the test split (seeded).
    case noise
    /// The in-distribution test images turned upside down (flipped vertically): same pixel
    /// statistics, unseen orientation — a near-distribution shift, hard for every score.
    case flipped

    /// The built-in dataset, for the two that are one.
    var imageDataset: ImageDatasetChoice? { ImageDatasetChoice(rawValue: rawValue) }

    /// The usual out-of-distribution partner of an in-distribution dataset.
    public static func partner(of dataset: ImageDatasetChoice) -> OODDatasetChoice {
        dataset == .mnist ? .fashionMNIST : .mnist
    }

    /// The images [N, 1, 28, 28] for a model trained on `dataset`, whose test images are `test`.
    /// - Throws: `DataError` when a built-in dataset is not installed.
    func images(inDistributionTest test: Tensor, seed: UInt64) throws -> Tensor {
        switch self {
        case .fashionMNIST, .mnist:
            return try imageDataset!.load().test.features
        case .noise:
            return Tensor.rand(test.shape, generator: RandomGenerator(seed: seed))
        case .flipped:
            let shape = test.shape
            let height = shape[shape.count - 2], width = shape[shape.count - 1]
            let source = test.contiguous().scalars
            return Tensor(shape: shape) { out in
                let plane = height * width
                for p in 0..<(source.count / plane) {
                    for y in 0..<height {
                        let from = p * plane + (height - 1 - y) * width, to = p * plane + y * width
                        for x in 0..<width { out[to + x] = source[from + x] }
                    }
                }
            }
        }
    }
}

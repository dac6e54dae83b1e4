import Foundation
import SynapseEval

/// Everything that defines an out-of-distribution evaluation (`synapse ood`).
public struct OODOptions: Sendable {
    /// The classifier's weights (safetensors from `synapse train`, a PyTorch state dict with
    /// `dataset` and `modelName`, or an ONNX graph with `dataset`).
    public var weights: URL
    /// The in-distribution dataset (default: the one the weights' metadata records).
    public var dataset: ImageDatasetChoice?
    /// The architecture of a PyTorch state dict (`mlp`, `cnn`).
    public var modelName: String?
    /// The headline out-of-distribution set (default: MNIST for Fashion-MNIST and vice versa).
    public var oodDataset: OODDatasetChoice?
    /// Further out-of-distribution sets, reported beside the headline one.
    public var extraOODDatasets: [OODDatasetChoice] = [.noise, .flipped]
    /// The in-distribution acceptance rate the thresholds are chosen for on the validation split,
    /// and at which the false-positive rate is reported (0.95).
    public var targetTruePositiveRate = 0.95
    /// The score whose threshold decides abstention in the selective-prediction section.
    public var abstainScore: OODScore = .msp
    /// A fixed threshold of `abstainScore` (abstain below it, e.g. a confidence of 0.8 for `.msp`)
    /// instead of the one chosen on the validation split for `targetTruePositiveRate`.
    public var abstainThreshold: Double?
    /// The temperature of the energy score.
    public var energyTemperature = 1.0
    /// Where the report goes (`.html` or `.md`); default `<weights-stem>.ood.html`.
    public var report: URL?
    /// Where the escalate list (every abstained test example) goes as CSV; default `<weights-stem>.escalate.csv`.
    public var escalateList: URL?
    /// Examples per forward pass.
    public var batchSize = 1000
    /// Seed of the noise images.
    public var seed: UInt64 = 0

    /// Options for the weights at `weights`.
    public init(weights: URL) { self.weights = weights }

    /// The report's path.
    public var reportURL: URL { report ?? weights.deletingPathExtension().appendingPathExtension("ood.html") }
    /// The escalate list's path.
    public var escalateListURL: URL { escalateList ?? weights.deletingPathExtension().appendingPathExtension("escalate.csv") }
}

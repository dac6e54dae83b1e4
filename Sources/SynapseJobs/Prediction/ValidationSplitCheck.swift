import Foundation
import SynapseIO

/// What the post-hoc jobs on a trained image classifier (`synapse calibrate`, `synapse ood`) need
/// from its weights: the built-in dataset it was trained on, and whether its training held the
/// fixed validation split out (so that fitting on that split is honest).
enum ValidationSplitCheck {
    /// The dataset (`option`, else the weights' metadata) and whether training held its validation
    /// split out (metadata `validation_split`).
    /// - Throws: `PredictionError.unsupportedModel` when neither names a built-in dataset, or when
    ///   they disagree.
    static func resolvedDataset(weights: URL, option: ImageDatasetChoice?, command: String) throws -> (ImageDatasetChoice, Bool) {
        var recorded: String? = nil, split: String? = nil
        if weights.pathExtension.lowercased() == "safetensors" || !PyTorchFile.looksLikePyTorchFile(at: weights),
           let archive = try? SafeTensors.load(from: weights) {
            recorded = archive.metadata["dataset"]
            split = archive.metadata[ImageDatasetChoice.validationSplitKey]
        }
        guard let dataset = option ?? recorded.flatMap(ImageDatasetChoice.init(rawValue:)) else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "no built-in image dataset for \(command) (metadata "
                + "dataset is \(recorded.map { "'\($0)'" } ?? "missing")): pass --dataset fashion-mnist or mnist")
        }
        if let recorded, let option, recorded != option.rawValue {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "was trained on \(recorded), not \(option.rawValue)")
        }
        return (dataset, split == ImageDatasetChoice.validationSplitValue)
    }
}

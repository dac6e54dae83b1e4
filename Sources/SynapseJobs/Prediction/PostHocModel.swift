import Foundation
import SynapseIO

/// What the post-hoc jobs on a trained image classifier (`synapse calibrate`, `ood`, `robustness`)
/// need from its weights: the classifier itself, the built-in dataset it was trained on, and whether
/// its training held the fixed validation split out (so that fitting on that split is honest).
enum PostHocModel {
    /// The image classifier at `weights` (safetensors, `.pt` with `modelName`, or ONNX with `dataset`).
    /// - Throws: `PipelineError`/`PredictionError` for unreadable weights or a model that is not an
    ///   image classifier of a built-in dataset (the message names `command`).
    static func imageClassifier(weights: URL, dataset: ImageDatasetChoice?, modelName: String?, batchSize: Int,
                                command: String) throws -> ImagePredictor {
        var job = PredictionJob(weights: weights)
        job.dataset = dataset
        job.model = modelName.flatMap(ImageClassifierKind.init(rawValue:))
        job.batchSize = batchSize
        guard let predictor = try job.loadModelPredictor() as? ImagePredictor else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "\(command) takes an image classifier trained on "
                                                   + "fashion-mnist or mnist")
        }
        return predictor
    }

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

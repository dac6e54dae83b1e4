import Foundation
import SynapseCore
import SynapseEval
import SynapseData
import SynapseIO
import SynapseModels
import SynapseNN

/// Predicts with weights saved by `synapse train` — the job behind `synapse predict`. The model
/// and its preprocessing are rebuilt from the weights' metadata and the files beside them, so the
/// caller names only the weights and the input:
///
/// - tabular classifiers and regressors (`breast-cancer`, `diabetes`): CSV rows or JSON objects
///   with the training columns, mapped by the saved preprocessing (`<stem>.preprocessing.json`);
///   a label column, if present, is ignored;
/// - forecasters (`sunspots`, `co2`): JSON arrays of the last `window` values;
/// - image classifiers (`mlp`, `cnn` on `fashion-mnist`, `mnist`): JSON pixel arrays (0–255) or IDX
///   image files, scaled to [0, 1] as the training data was.
///
/// Language models are not predicted here (`synapse generate` samples from them).
public struct PredictionJob {
    /// The weights saved by `synapse train`.
    public let weights: URL
    /// Examples per forward pass (bounds memory on large inputs).
    public var batchSize = 256
    /// The built-in image dataset whose inputs and class names apply, for files that record none:
    /// an ONNX graph, or a PyTorch state dict (`--dataset`). Refused when the metadata disagrees.
    public var dataset: ImageDatasetChoice?
    /// The built-in architecture of a PyTorch state dict (`--model`).
    public var model: ImageClassifierKind?

    /// A job; nothing is read until `run(input:)`.
    public init(weights: URL) {
        self.weights = weights
    }

    /// Predicts every example of `input`, in input order.
    /// - Throws: `PredictionError` (input unreadable or not fitting the model, weights of a kind
    ///   prediction does not cover), `PipelineError` (metadata or preprocessing invalid).
    public func run(input: PredictionInput) throws -> PredictionResult {
        let predictor = try loadPredictor()
        return try predictor.predict(input)
    }

    /// The predictor the weights' metadata describes, with the model built and loaded and the
    /// calibration beside the weights (`CalibrationFile`, from `synapse calibrate`) applied.
    func loadPredictor() throws -> any Predictor {
        try loadModelPredictor().calibrated(forWeights: weights)
    }

    /// The predictor the weights' metadata describes, with the model built and loaded, uncalibrated.
    func loadModelPredictor() throws -> any Predictor {
        if weights.pathExtension.lowercased() == "onnx" {
            guard let dataset else {
                throw PredictionError.unsupportedModel(path: weights.path, reason: "an ONNX file records no dataset: name the built-in "
                                                       + "image dataset whose images and classes it takes (--dataset)")
            }
            return try ImagePredictor.loadONNX(weights: weights, dataset: dataset, batchSize: batchSize)
        }
        if PyTorchFile.looksLikePyTorchFile(at: weights) {
            guard let dataset, let model else {
                throw PredictionError.unsupportedModel(path: weights.path, reason: "a PyTorch state dict records no dataset or "
                                                       + "architecture: name them (--dataset and --model mlp|cnn|vit)")
            }
            let meta = WeightsMetadata(["model": model.rawValue, "dataset": dataset.rawValue], path: weights.path)
            return try ImagePredictor.load(weights: weights, meta: meta, dataset: dataset, batchSize: batchSize)
        }
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "cannot read the weights: \(error)")
        }
        let meta = WeightsMetadata(archive.metadata, path: weights.path)
        let model = meta.optionalString("model")
        if let model, model == "char-lstm" || model == "gpt" {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "holds a \(model) language model; "
                                                   + "`synapse generate --weights` samples text from it")
        }
        if meta.optionalString("task") == DiffusionModelFile.task {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "holds a diffusion model; `synapse sample --weights W --class C` "
                                                   + "generates images with it and `synapse evaluate --classifier` measures them")
        }
        if meta.optionalString("task") == "recommendation" {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "holds a \(model ?? "") recommender; `synapse recommend --weights W "
                                                   + "--user ID` retrieves its top items and `synapse evaluate` measures it")
        }
        let preprocessing = TabularTrainingOptions.preprocessingURL(forWeights: weights)
        let dataset = meta.optionalString("dataset")
        if FileManager.default.fileExists(atPath: preprocessing.path) || dataset.flatMap(TabularBenchmark.init(rawValue:)) != nil {
            return try TabularPredictor.load(weights: weights, meta: meta, preprocessing: preprocessing, batchSize: batchSize)
        }
        if meta.optionalString("source") == "image-folder" {
            return try ImagePredictor.loadFolderRun(weights: weights, meta: meta, batchSize: batchSize)
        }
        if let dataset, let images = ImageDatasetChoice(rawValue: dataset) {
            return try ImagePredictor.load(weights: weights, meta: meta, dataset: images, batchSize: batchSize)
        }
        throw PredictionError.unsupportedModel(path: weights.path, reason: "the metadata names no dataset synapse can predict for "
            + "(dataset is \(dataset.map { "'\($0)'" } ?? "missing")); predict takes weights written by `synapse train`")
    }
}

/// A loaded model with the preprocessing of its inputs: one per kind of run.
protocol Predictor {
    /// Predicts every example of `input`.
    func predict(_ input: PredictionInput) throws -> PredictionResult
    /// The examples of `input` prepared as the model takes them ([N, ...], before the model runs),
    /// with the file of each example where the input is image files.
    func modelInputs(_ input: PredictionInput) throws -> (features: Tensor, files: [String]?)
    /// This predictor with the calibration beside `weights` applied to its class probabilities
    /// (itself when there is none, or when it predicts no classes).
    /// - Throws: `CalibrationError` for a calibration file that is unreadable or fitted for other weights.
    func calibrated(forWeights weights: URL) throws -> any Predictor
}

/// Runs `model` in evaluation mode without gradients on `features` [N, ...] in batches of
/// `batchSize`; returns the outputs' rows.
func batchedOutputs(_ model: any Layer, features: Tensor, batchSize: Int) -> [[Float]] {
    model.eval()
    let n = features.shape[0]
    var rows: [[Float]] = []
    rows.reserveCapacity(n)
    withoutGradients {
        var start = 0
        while start < n {
            let end = min(start + batchSize, n)
            let out = model(features.slice(dim: 0, start: start, end: end)).contiguous()
            let width = out.count / max(end - start, 1)
            let scalars = out.scalars
            for r in 0..<(end - start) { rows.append(Array(scalars[(r * width)..<((r + 1) * width)])) }
            start = end
        }
    }
    return rows
}

/// Predictions of a classifier from its logits rows: softmax probabilities (of the calibrated logits
/// when `calibration` is given) and the likeliest class.
func classPredictions(_ logits: [[Float]], classNames: [String], calibration: LogitCalibration? = nil) -> [Prediction] {
    logits.enumerated().map { index, row in
        let (probabilities, best) = softmaxWithArgmax(row, calibration: calibration)
        return Prediction(index: index, className: best < classNames.count ? classNames[best] : String(best), probabilities: probabilities)
    }
}

/// The softmax of one row of logits (in Double; of its calibrated logits when `calibration` is
/// given) and the index of its largest probability (the last of equal ones, as `indices.max(by:)`
/// picks), shared by `synapse predict` and the server.
func softmaxWithArgmax(_ row: [Float], calibration: LogitCalibration? = nil) -> (probabilities: [Double], best: Int) {
    // One softmax for both: calibrated logits, or the logits as they are.
    let logits = calibration.map { $0.classCount == row.count ? $0.calibratedLogits(row) : nil } ?? nil
    let probabilities = LogitCalibration.softmax(logits ?? row.map(Double.init))
    let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
    return (probabilities, best)
}

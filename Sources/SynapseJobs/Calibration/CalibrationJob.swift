import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseNN

/// Everything that defines a calibration run (`synapse calibrate`).
public struct CalibrationOptions: Sendable {
    /// The classifier's weights (safetensors from `synapse train`, a PyTorch state dict with
    /// `dataset` and `modelName`, or an ONNX graph with `dataset`).
    public var weights: URL
    /// The built-in image dataset (default: the one the weights' metadata records).
    public var dataset: ImageDatasetChoice?
    /// The architecture of a PyTorch state dict (`mlp`, `cnn`).
    public var modelName: String?
    /// How the logits are calibrated.
    public var method: LogitCalibrationMethod = .temperature
    /// Equal-width confidence bins of the ECE and the reliability diagrams (15, as Guo et al.).
    public var bins = 15
    /// Where the report goes (`.html` with the reliability diagrams, or `.md`); default
    /// `<weights-stem>.calibration.html`.
    public var report: URL?
    /// Examples per forward pass.
    public var batchSize = 1000

    /// Options for the weights at `weights`.
    public init(weights: URL) { self.weights = weights }

    /// The report's path.
    public var reportURL: URL { report ?? weights.deletingPathExtension().appendingPathExtension("calibration.html") }
}

/// Accuracy, NLL and calibration of one set of probabilities.
public struct CalibrationFigures: Sendable, Equatable {
    /// Examples.
    public let count: Int
    /// Top-1 accuracy.
    public let accuracy: Double
    /// Mean negative log-likelihood of the labels.
    public let negativeLogLikelihood: Double
    /// Expected calibration error (`bins` equal-width bins).
    public let expectedCalibrationError: Double
    /// Maximum calibration error over the non-empty bins.
    public let maximumCalibrationError: Double
    /// The bins (the reliability diagram).
    public let calibration: CalibrationReport

    init(probabilities: [[Double]], labels: [Int], bins: Int) throws {
        calibration = try CalibrationReport(labels, classProbabilities: probabilities, binCount: bins)
        count = labels.count
        accuracy = Double(zip(probabilities, labels).filter { row, label in row.indices.max { row[$0] < row[$1] } == label }.count)
            / Double(max(labels.count, 1))
        negativeLogLikelihood = zip(probabilities, labels).reduce(0) { $0 - Foundation.log(max($1.0[$1.1], 1e-300)) } / Double(max(labels.count, 1))
        expectedCalibrationError = calibration.expectedCalibrationError
        maximumCalibrationError = calibration.maximumCalibrationError
    }
}

/// What `CalibrationJob.run()` produced.
public struct CalibrationResult: Sendable {
    /// The fitted calibration, as written beside the weights.
    public let file: CalibrationFile
    /// Where it was written (`CalibrationFile.url(forWeights:)`).
    public let fileURL: URL
    /// The report's path.
    public let reportURL: URL
    /// The dataset.
    public let dataset: ImageDatasetChoice
    /// Whether the weights' training held the validation split out (metadata `validation_split`);
    /// when false the model has seen those images and the fit leans towards overconfidence.
    public let validationHeldOut: Bool
    /// Figures on the validation split (the fit's data), before and after.
    public let validation: (before: CalibrationFigures, after: CalibrationFigures)
    /// Figures on the test split (never used by the fit), before and after.
    public let test: (before: CalibrationFigures, after: CalibrationFigures)
}

/// Fits a post-hoc calibration (`LogitCalibration`) of an image classifier on the dataset's
/// validation split — the last 10% of its training split, fixed (`ImageDatasetChoice.validationSplit`)
/// — writes it beside the weights (`CalibrationFile`), where `synapse predict` and `serve` apply it,
/// and reports accuracy, NLL, ECE and MCE before and after on the validation and the test split,
/// with reliability diagrams.
public struct CalibrationJob {
    /// The run's options.
    public let options: CalibrationOptions
    /// Progress lines.
    public let log: (String) -> Void

    /// A job for `options`, reporting progress to `log`.
    public init(options: CalibrationOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Runs the calibration.
    /// - Throws: `PipelineError`/`PredictionError` (weights), `DataError` (dataset),
    ///   `CalibrationError` (the fit or the file), `ReportError`.
    public func run() throws -> CalibrationResult {
        let o = options
        guard (2...1000).contains(o.bins) else { throw CalibrationError.invalidParameters("bins must be 2 to 1000, got \(o.bins)") }
        let format = try ReportFormat(path: o.reportURL.path)
        var job = PredictionJob(weights: o.weights)
        job.dataset = o.dataset
        job.model = o.modelName.flatMap(ImageClassifierKind.init(rawValue:))
        job.batchSize = o.batchSize
        guard let predictor = try job.loadModelPredictor() as? ImagePredictor else {
            throw PredictionError.unsupportedModel(path: o.weights.path, reason: "calibrate takes an image classifier trained on "
                                                   + "fashion-mnist or mnist")
        }
        let (dataset, heldOut) = try ValidationSplitCheck.resolvedDataset(weights: o.weights, option: o.dataset, command: "calibrate")
        let (train, test) = try dataset.load()
        let validation = dataset.validationSplit(of: train)
        log("synapse calibrate: \(predictor.modelDescription); \(dataset.rawValue) validation split \(validation.count) images "
            + "(last 10% of the training split), test split \(test.count)")
        if !heldOut {
            log("warning: the weights record no held-out validation split (train with --hold-out-validation): the model was "
                + "trained on these images, so the fit leans towards overconfidence; the test-split figures stay honest")
        }
        let validationLogits = batchedOutputs(predictor.model, features: validation.features, batchSize: o.batchSize)
        let testLogits = batchedOutputs(predictor.model, features: test.features, batchSize: o.batchSize)
        guard validationLogits.first?.count == predictor.classNames.count else {
            throw PredictionError.unsupportedModel(path: o.weights.path, reason: "its outputs have \(validationLogits.first?.count ?? 0) "
                                                   + "values per image; expected \(predictor.classNames.count) class logits")
        }
        let validationLabels = validation.labels.scalars, testLabels = test.labels.scalars
        let calibration = try LogitCalibration.fit(o.method, logits: validationLogits, labels: validationLabels)
        let identity = LogitCalibration.identity(classCount: predictor.classNames.count)
        func figures(_ c: LogitCalibration, _ logits: [[Float]], _ labels: [Int]) throws -> CalibrationFigures {
            try CalibrationFigures(probabilities: c.probabilities(logits), labels: labels, bins: o.bins)
        }
        let validationFigures = (try figures(identity, validationLogits, validationLabels), try figures(calibration, validationLogits, validationLabels))
        let testFigures = (try figures(identity, testLogits, testLabels), try figures(calibration, testLogits, testLabels))
        let file = try CalibrationFile(
            calibration: calibration, weights: o.weights,
            fittedOn: "\(dataset.rawValue) validation split (last 10% of the training split, \(validation.count) images)"
                + (heldOut ? "" : "; the model was trained on it"),
            figures: ["validation_nll_before": validationFigures.0.negativeLogLikelihood, "validation_nll_after": validationFigures.1.negativeLogLikelihood,
                      "validation_ece_before": validationFigures.0.expectedCalibrationError,
                      "validation_ece_after": validationFigures.1.expectedCalibrationError,
                      "test_ece_before": testFigures.0.expectedCalibrationError, "test_ece_after": testFigures.1.expectedCalibrationError])
        let fileURL = CalibrationFile.url(forWeights: o.weights)
        try file.write(to: fileURL)
        let result = CalibrationResult(file: file, fileURL: fileURL, reportURL: o.reportURL, dataset: dataset, validationHeldOut: heldOut,
                                       validation: validationFigures, test: testFigures)
        let report = CalibrationReportPage(result: result, weights: o.weights, modelDescription: predictor.modelDescription, bins: o.bins)
        do { try AtomicFile.write(Data(format.render(report.document, title: report.title).utf8), to: o.reportURL) } catch {
            throw ReportError.writeFailed(path: o.reportURL.path, reason: "\(error)")
        }
        return result
    }
}

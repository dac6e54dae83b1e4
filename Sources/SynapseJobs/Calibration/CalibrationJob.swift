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
    /// The dataset's name (`fashion-mnist`, `breast-cancer`).
    public let datasetName: String
    /// Whether the weights' training held the validation split out (metadata `validation_split` of
    /// an image run; always for a tabular run); when false the model has seen those examples and
    /// the fit leans towards overconfidence.
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
/// with reliability diagrams. The weights of a tabular classifier (`synapse train --dataset
/// breast-cancer`) are calibrated on their run's own validation split instead.
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

    /// Runs the calibration: on an image classifier's fixed validation split, or, for the weights of
    /// a tabular run (breast-cancer, wine, ...), on that run's own validation split, rebuilt from the
    /// seed and fractions in its metadata.
    /// - Throws: `PipelineError`/`PredictionError` (weights), `DataError` (dataset),
    ///   `CalibrationError` (the fit or the file), `ReportError`.
    public func run() throws -> CalibrationResult {
        let o = options
        guard (2...1000).contains(o.bins) else { throw CalibrationError.invalidParameters("bins must be 2 to 1000, got \(o.bins)") }
        let format = try ReportFormat(path: o.reportURL.path)
        let inputs = o.dataset == nil && TabularRun.isTabular(weights: o.weights) ? try tabularInputs() : try imageInputs()
        guard inputs.validationLogits.first?.count == inputs.classCount else {
            throw PredictionError.unsupportedModel(path: o.weights.path, reason: "its outputs have \(inputs.validationLogits.first?.count ?? 0) "
                                                   + "values per example; expected \(inputs.classCount) class logits")
        }
        // With no error to learn from, the NLL keeps falling as the logits are scaled up: the fit would
        // drive T to its lower clamp and make the model wildly overconfident on new data.
        let correct = zip(inputs.validationLogits, inputs.validationLabels).filter { row, label in
            row.indices.max { row[$0] < row[$1] } == label
        }.count
        guard correct < inputs.validationLabels.count else {
            throw CalibrationError.invalidData("the model classifies all \(correct) validation examples correctly, so the negative "
                + "log-likelihood keeps falling as its logits are scaled up and calibration is undefined (it would make the model "
                + "overconfident on new data); calibrate on a validation split on which the model makes errors")
        }
        let calibration = try LogitCalibration.fit(o.method, logits: inputs.validationLogits, labels: inputs.validationLabels)
        let identity = LogitCalibration.identity(classCount: inputs.classCount)
        func figures(_ c: LogitCalibration, _ logits: [[Float]], _ labels: [Int]) throws -> CalibrationFigures {
            try CalibrationFigures(probabilities: c.probabilities(logits), labels: labels, bins: o.bins)
        }
        let validationFigures = (try figures(identity, inputs.validationLogits, inputs.validationLabels),
                                 try figures(calibration, inputs.validationLogits, inputs.validationLabels))
        let testFigures = (try figures(identity, inputs.testLogits, inputs.testLabels), try figures(calibration, inputs.testLogits, inputs.testLabels))
        let file = try CalibrationFile(
            calibration: calibration, weights: o.weights, fittedOn: inputs.fittedOn,
            figures: ["validation_nll_before": validationFigures.0.negativeLogLikelihood, "validation_nll_after": validationFigures.1.negativeLogLikelihood,
                      "validation_ece_before": validationFigures.0.expectedCalibrationError,
                      "validation_ece_after": validationFigures.1.expectedCalibrationError,
                      "test_ece_before": testFigures.0.expectedCalibrationError, "test_ece_after": testFigures.1.expectedCalibrationError])
        let fileURL = CalibrationFile.url(forWeights: o.weights)
        try file.write(to: fileURL)
        let result = CalibrationResult(file: file, fileURL: fileURL, reportURL: o.reportURL, datasetName: inputs.datasetName,
                                       validationHeldOut: inputs.heldOut, validation: validationFigures, test: testFigures)
        let report = CalibrationReportPage(result: result, weights: o.weights, modelDescription: inputs.modelDescription, bins: o.bins)
        do { try AtomicFile.write(Data(format.render(report.document, title: report.title).utf8), to: o.reportURL) } catch {
            throw ReportError.writeFailed(path: o.reportURL.path, reason: "\(error)")
        }
        return result
    }

    /// The logits and labels a calibration is fitted and checked on.
    private struct Inputs {
        let validationLogits: [[Float]], validationLabels: [Int]
        let testLogits: [[Float]], testLabels: [Int]
        let classCount: Int
        let modelDescription: String, datasetName: String, fittedOn: String
        let heldOut: Bool
    }

    /// An image classifier on its dataset's fixed validation split (the last 10% of the training split).
    private func imageInputs() throws -> Inputs {
        let o = options
        let predictor = try PostHocModel.imageClassifier(weights: o.weights, dataset: o.dataset, modelName: o.modelName,
                                                         batchSize: o.batchSize, command: "calibrate")
        let (dataset, heldOut) = try PostHocModel.resolvedDataset(weights: o.weights, option: o.dataset, command: "calibrate")
        let (train, test) = try dataset.load()
        let validation = dataset.validationSplit(of: train)
        log("synapse calibrate: \(predictor.modelDescription); \(dataset.rawValue) validation split \(validation.count) images "
            + "(last 10% of the training split), test split \(test.count)")
        if !heldOut {
            log("warning: the weights record no held-out validation split (train with --hold-out-validation): the model was "
                + "trained on these images, so the fit leans towards overconfidence; the test-split figures stay honest")
        }
        return Inputs(validationLogits: batchedOutputs(predictor.model, features: validation.features, batchSize: o.batchSize),
                      validationLabels: validation.labels.scalars,
                      testLogits: batchedOutputs(predictor.model, features: test.features, batchSize: o.batchSize),
                      testLabels: test.labels.scalars, classCount: predictor.classNames.count,
                      modelDescription: predictor.modelDescription, datasetName: dataset.rawValue,
                      fittedOn: "\(dataset.rawValue) validation split (last 10% of the training split, \(validation.count) images)"
                        + (heldOut ? "" : "; the model was trained on it"),
                      heldOut: heldOut)
    }

    /// A tabular classifier on its run's validation split (held out from training: it only watched
    /// the validation loss for early stopping and the best checkpoint).
    private func tabularInputs() throws -> Inputs {
        let o = options
        let run = try TabularRun.load(weights: o.weights, benchmark: nil)
        guard let sets = run.data.classification else {
            throw PredictionError.unsupportedModel(path: o.weights.path, reason: "holds a \(run.benchmark.task.rawValue) model for "
                                                   + "\(run.benchmark.rawValue); calibration applies to classifiers")
        }
        let description = "MLP " + (run.hidden.map(String.init) + [String(run.classes)]).joined(separator: "-") + " on \(run.benchmark.rawValue)"
        log("synapse calibrate: \(description); validation split \(sets.validation.count) rows (the training run's, seed \(run.seed)), "
            + "test split \(sets.test.count)")
        return Inputs(validationLogits: batchedOutputs(run.model, features: sets.validation.features, batchSize: o.batchSize),
                      validationLabels: sets.validation.labels.scalars,
                      testLogits: batchedOutputs(run.model, features: sets.test.features, batchSize: o.batchSize),
                      testLabels: sets.test.labels.scalars, classCount: run.classes, modelDescription: description,
                      datasetName: run.benchmark.rawValue,
                      fittedOn: "\(run.benchmark.rawValue) validation split of the training run (\(sets.validation.count) rows, seed \(run.seed))",
                      heldOut: true)
    }
}

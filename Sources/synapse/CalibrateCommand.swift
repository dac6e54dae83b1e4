import ArgumentParser
import Foundation
import Synapse

/// `synapse calibrate`: fits temperature (or vector/matrix) scaling of a classifier's logits on the
/// dataset's validation split and writes it beside the weights, where `predict` and `serve` apply it.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit temperature scaling of an image classifier on the validation split; predict and serve then apply it.",
        discussion: """
        Runs the classifier on the dataset's validation split — the last 10% of its training split (6,000 images of \
        fashion-mnist or mnist), fixed — and fits --method (temperature: one temperature T, logits / T, predictions \
        unchanged; vector: a scale and a bias per class; matrix: a full linear map) by minimising the negative \
        log-likelihood (Guo et al. 2017). The calibration is written beside the weights as <weights-stem>.calibration.json \
        with the weights' fingerprint; `synapse predict` and `synapse serve` apply it to the class probabilities, and \
        refuse it once the weights change. A model trained without --hold-out-validation has seen the validation images: \
        the command says so and the fit leans towards overconfidence (the test figures stay honest). The report \
        (--report, default <weights-stem>.calibration.html) shows accuracy, NLL, ECE and MCE before and after on the \
        validation and the test split, with reliability diagrams. The last line printed is a JSON object with \
        temperature (temperature scaling), ece_before, ece_after, mce_before, mce_after, nll_before, nll_after, \
        accuracy_before and accuracy_after on the test split, validation_held_out, calibration and report. The weights of a \
        tabular classifier (synapse train --dataset breast-cancer) are calibrated on their training run's own validation \
        split, rebuilt from the seed and fractions in their metadata; predict and serve apply it likewise.
        """
    )

    @Option(help: "Weights of a classifier: safetensors from `synapse train` (an image or a tabular classifier), an ONNX file (.onnx, with --dataset) or a PyTorch state dict (.pt/.pth, with --dataset and --model).")
    var weights: String

    @Option(help: "The built-in image dataset (fashion-mnist, mnist); default: the one the weights' metadata records.")
    var dataset: ImageDatasetName?

    @Option(help: "For .pt weights: the built-in architecture of the state dict (mlp, cnn, vit).")
    var model: ClassifierName?

    @Option(help: "Calibration: temperature (default), vector or matrix scaling.")
    var method: LogitCalibrationMethodName = .temperature

    @Option(help: "Equal-width confidence bins of the ECE, MCE and reliability diagrams.")
    var bins = 15

    @Option(help: "Where to write the report: .html (with the reliability diagrams) or .md; default <weights-stem>.calibration.html.")
    var report: String?

    @Option(help: "Images per forward pass.")
    var batchSize = 1000

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        guard (2...1000).contains(bins) else { throw ValidationError("--bins must be 2 to 1000, got \(bins)") }
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000, got \(batchSize)") }
        if let report { do { _ = try ReportFormat(path: report) } catch { throw ValidationError("--report: \(error)") } }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let weightsURL = URL(fileURLWithPath: weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        var options = CalibrationOptions(weights: weightsURL)
        options.dataset = dataset.map { ImageDatasetChoice(rawValue: $0.rawValue)! }
        options.modelName = model?.rawValue
        options.method = method.method
        options.bins = bins
        options.report = report.map { URL(fileURLWithPath: $0) }
        options.batchSize = batchSize
        let result = try CalibrationJob(options: options).run()
        func r(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
        let (before, after) = result.test
        print(String(format: "test split: ECE %.4f -> %.4f, NLL %.4f -> %.4f, accuracy %.4f -> %.4f", before.expectedCalibrationError,
                     after.expectedCalibrationError, before.negativeLogLikelihood, after.negativeLogLikelihood, before.accuracy, after.accuracy))
        print("wrote \(result.file.calibration.summary) to \(result.fileURL.path) and the report to \(result.reportURL.path)")
        var figures: [String: Any] = [
            "method": result.file.calibration.method.rawValue,
            "ece_before": r(before.expectedCalibrationError), "ece_after": r(after.expectedCalibrationError),
            "mce_before": r(before.maximumCalibrationError), "mce_after": r(after.maximumCalibrationError),
            "nll_before": r(before.negativeLogLikelihood), "nll_after": r(after.negativeLogLikelihood),
            "accuracy_before": r(before.accuracy), "accuracy_after": r(after.accuracy),
            "validation_held_out": result.validationHeldOut, "dataset": result.datasetName,
            "calibration": result.fileURL.path, "report": result.reportURL.path,
        ]
        if result.file.calibration.method == .temperature { figures["temperature"] = r(result.file.calibration.temperature) }
        let json = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// `--method` of `synapse calibrate`.
enum LogitCalibrationMethodName: String, ExpressibleByArgument, CaseIterable {
    case temperature, vector, matrix

    /// The library's method.
    var method: LogitCalibrationMethod { LogitCalibrationMethod(rawValue: rawValue)! }
}

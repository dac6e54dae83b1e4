import ArgumentParser
import Foundation
import Synapse

/// `synapse evaluate`: evaluates saved weights on a dataset's test split and writes a report.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a saved model on a dataset's test split and write a Markdown or HTML report.",
        discussion: """
        The model runs in evaluation mode without gradients. The report holds accuracy, top-3 accuracy, \
        precision/recall/F1 (macro, micro, weighted), log loss, ROC-AUC and average precision (one-vs-rest), \
        the confusion matrix, calibration (ECE and reliability diagram), and slices by true class and by \
        image-brightness quartile with the worst slice highlighted. The format follows the report's \
        extension: .md for Markdown, .html for HTML with the plots inline. The last line printed to \
        standard output is a JSON object with the headline metrics.
        """
    )

    @Option(help: "Dataset: \(DatasetName.allValueStrings.joined(separator: ", ")).")
    var dataset: DatasetName = .fashionMNIST

    @Option(help: "Model architecture the weights belong to: \(ModelName.allValueStrings.joined(separator: ", ")).")
    var model: ModelName = .mlp

    @Option(help: "Weights saved by `synapse train` (safetensors).")
    var weights: String

    @Option(help: "Where to write the report: a .md (Markdown) or .html (HTML with plots) path.")
    var report: String

    @Option(help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        do { _ = try ReportFormat(path: report) } catch { throw ValidationError("--report: \(error)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        if let benchmark = dataset.tabularBenchmark { try runTabular(benchmark); return }
        if dataset.isText {
            throw EvaluateError("--dataset \(dataset.rawValue) is a text corpus: `synapse train` reports its validation loss; "
                                + "`synapse evaluate` covers the image and tabular datasets")
        }
        let weightsURL = URL(fileURLWithPath: weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw EvaluateError("--weights \(weights): file not found (save one with `synapse train --output PATH`)")
        }
        let (_, test) = try dataset.load()
        let network = try model.make(inputShape: test.exampleShape, classes: dataset.evaluationClassNames.count, generator: RandomGenerator(seed: 0))
        do {
            try network.load(from: weightsURL)
        } catch {
            throw EvaluateError("--weights \(weights) does not hold a \(model.rawValue) model for \(dataset.rawValue): \(error)")
        }
        let evaluation = try EvaluationReport.imageClassifier(
            model: network, dataset: test, classNames: dataset.evaluationClassNames,
            title: "Evaluation of \(model.rawValue) on \(dataset.rawValue) (test split)",
            details: [("dataset", "\(dataset.rawValue), test split"), ("model", model.rawValue), ("weights", weights)])
        try evaluation.write(to: URL(fileURLWithPath: report))
        let s = evaluation.summary
        print(String(format: "synapse evaluate: %d examples, accuracy %.4f, macro F1 %.4f, log loss %.4f, ECE %.4f",
                     s.count, s.accuracy, (try? s.scores.f1Score(.macro)) ?? .nan, s.logLoss, s.expectedCalibrationError))
        for slicing in evaluation.slices {
            if let worst = slicing.worst {
                print("worst slice by \(slicing.name) (\(slicing.metric.displayName)): \(worst.key), accuracy "
                      + String(format: "%.4f", worst.summary.accuracy) + " on \(worst.count) examples")
            }
        }
        print("wrote report to \(report)")
        let result: [String: Any] = [
            "accuracy": (s.accuracy * 10_000).rounded() / 10_000,
            "macro_f1": (((try? s.scores.f1Score(.macro)) ?? 0) * 10_000).rounded() / 10_000,
            "log_loss": (s.logLoss * 10_000).rounded() / 10_000,
            "ece": (s.expectedCalibrationError * 10_000).rounded() / 10_000,
            "report": report,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// A failure of `synapse evaluate` with its message (printed by ArgumentParser as `Error: ...`).
private struct EvaluateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension DatasetName {
    /// Class names shown in the report, indexed by label.
    fileprivate var evaluationClassNames: [String] {
        switch self {
        case .fashionMNIST: return FashionMNIST.classNames
        case .mnist: return MNIST.classNames
        case .breastCancer, .diabetes, .sunspots, .co2, .shakespeare, .vimDocs: return []
        }
    }
}

import Foundation
import SynapseCore
import SynapseEval
import SynapseIO
import SynapseModels

/// Evaluates weights saved by `TabularTrainingJob` on their dataset's test split and writes a
/// report — the job behind `synapse evaluate --dataset breast-cancer|diabetes|sunspots|co2`.
///
/// The split is rebuilt from the seed and fractions recorded in the weights' metadata, and the
/// data mapped by the preprocessing saved next to the weights (never refitted), so the metrics are
/// those the training run printed. Classification gets an `EvaluationReport` (sliced by true
/// class and tumour-size quartile); regression and forecasting a `RegressionReport` with
/// baselines, slices by target quartile (and sex, or decade) and, for series, a forecast plot.
public struct TabularEvaluationJob {
    /// The saved weights.
    public let weights: URL
    /// The report to write (`.md` or `.html`).
    public let report: URL
    /// The dataset expected (checked against the weights' metadata), or nil to take it from there.
    public let benchmark: TabularBenchmark?

    /// The widest hidden layer accepted from metadata.
    public static let maxWidth = 1 << 20
    /// The most hidden layers accepted from metadata.
    public static let maxLayers = 64
    /// The longest forecasting window accepted from metadata.
    public static let maxWindow = 100_000

    /// A job.
    public init(weights: URL, report: URL, benchmark: TabularBenchmark? = nil) {
        self.weights = weights
        self.report = report
        self.benchmark = benchmark
    }

    /// Evaluates and writes the report; returns the test metrics (same names as the training job's).
    /// - Throws: `PipelineError.invalidRun` naming the file when the weights or preprocessing do not
    ///   fit, `ReportError`, `DataError`.
    @discardableResult
    public func run() throws -> [String: Double] {
        _ = try ReportFormat(path: report.path)
        let run = try TabularRun.load(weights: weights, benchmark: benchmark)
        let (saved, data, model, hidden, classes, seed) = (run.benchmark, run.data, run.model, run.hidden, run.classes, run.seed)
        let preprocessingURL = run.preprocessingURL
        let title = "Evaluation of the MLP on \(saved.rawValue) (test split)"
        let details: [(name: String, value: String)] = [
            ("dataset", "\(saved.rawValue) (\(saved.task.rawValue)), test split of \(data.split.test.count)"),
            ("model", "MLP " + (hidden.map(String.init) + [String(classes)]).joined(separator: "-")),
            ("weights", weights.path), ("preprocessing", preprocessingURL.path),
            ("split", "seed \(seed), \(data.split.train.count) train / \(data.split.validation.count) validation / \(data.split.test.count) test"),
            ("leakage check", data.leakage.isClean ? "clean" : data.leakage.description),
        ]
        if let sets = data.classification {
            let (predictions, _, metrics) = try TabularTestMetrics.classification(model: model, test: sets.test)
            let slices = try data.testSlices.map { s throws(MetricError) in
                try ClassificationSlices(name: s.name, labels: predictions.labels, probabilities: predictions.probabilities, keys: s.keys,
                                         order: s.name == "true class" ? data.classNames : [], metric: .accuracy)
            }
            // The baselines on the same split, beside the network.
            let baselines = try TabularTestMetrics.classificationBaselines(train: sets.train, validation: sets.validation, test: sets.test,
                                                                           classCount: data.classNames.count)
            var evaluation = try EvaluationReport(title: title, details: details, classNames: data.classNames, labels: predictions.labels,
                                                  probabilities: predictions.probabilities, slices: slices)
            evaluation.baselines = baselines
            try evaluation.write(to: report)
            var all = metrics
            for b in baselines {
                all.merge(try TabularTestMetrics.classificationMetrics(b.summary, prefix: b.name.replacingOccurrences(of: " ", with: "_") + "_")) { a, _ in a }
            }
            return all
        }
        let sets = data.regression!
        let predictions = try TabularTestMetrics.regressionPredictions(model: model, test: sets.test, invert: data.invertTarget)
        // The baselines on the same split: the data's own (training mean, persistence) and gradient-boosted trees.
        let boosted = try TabularTestMetrics.gradientBoostingRegression(train: sets.train, validation: sets.validation, test: sets.test,
                                                                        invert: data.invertTarget)
        let baselines = data.baselines + [(name: "gradient boosting", predictions: boosted)]
        let slices = try data.testSlices.map { s throws(MetricError) in
            try RegressionReport.Slicing(name: s.name, targets: data.testTargets, predictions: predictions, keys: s.keys)
        }
        let evaluation = try RegressionReport(title: title, details: details, targets: data.testTargets, predictions: predictions,
                                              baselines: baselines, slices: slices,
                                              curve: data.testTimes.map { (x: $0, xLabel: "time") })
        try evaluation.write(to: report)
        var metrics = TabularTestMetrics.regression(evaluation.summary)
        metrics.merge(try TabularTestMetrics.baselines(baselines, targets: data.testTargets)) { a, _ in a }
        return metrics
    }
}

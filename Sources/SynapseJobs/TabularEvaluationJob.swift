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

    /// What `evaluate()` computed: the figures and the report, not yet written.
    public struct Outcome: Sendable {
        /// The network's test metrics and the baselines' (`<baseline>_<metric>`).
        public let metrics: [String: Double]
        /// The classification report (classification runs).
        public let classification: EvaluationReport?
        /// The regression report (regression and forecasting runs).
        public let regression: RegressionReport?
        /// The rebuilt run's dataset, split sizes and leakage verdict.
        public let dataset: TabularBenchmark
        /// Rows of the train, validation and test splits.
        public let splitSizes: (train: Int, validation: Int, test: Int)
        /// The leakage check's verdict.
        public let leakage: String
        /// The seed of the split.
        public let seed: UInt64
        /// The preprocessing of the inputs, column by column.
        public let preprocessing: [String]
    }

    /// Evaluates and writes the report; returns the test metrics (same names as the training job's)
    /// and the baselines' (`<baseline>_<metric>`).
    /// - Throws: `PipelineError.invalidRun` naming the file when the weights or preprocessing do not
    ///   fit, `ReportError`, `DataError`.
    @discardableResult
    public func run() throws -> [String: Double] {
        _ = try ReportFormat(path: report.path)
        let outcome = try evaluate()
        if let classification = outcome.classification { try classification.write(to: report) }
        if let regression = outcome.regression { try regression.write(to: report) }
        return outcome.metrics
    }

    /// Evaluates the network and the baselines on the rebuilt test split, without writing anything.
    /// - Throws: `PipelineError` (weights or preprocessing that do not fit), `DataError`, `MetricError`.
    public func evaluate() throws -> Outcome {
        let run = try TabularRun.load(weights: weights, benchmark: benchmark)
        let (saved, data, model, hidden, classes, seed) = (run.benchmark, run.data, run.model, run.hidden, run.classes, run.seed)
        let preprocessingURL = run.preprocessingURL
        let title = "Evaluation of the MLP on \(saved.rawValue) (test split)"
        var details: [(name: String, value: String)] = [
            ("dataset", "\(saved.rawValue) (\(saved.task.rawValue)), test split of \(data.split.test.count)"),
            ("model", "MLP " + (hidden.map(String.init) + [String(classes)]).joined(separator: "-")),
            ("weights", weights.path), ("preprocessing", preprocessingURL.path),
            ("split", "seed \(seed), \(data.split.train.count) train / \(data.split.validation.count) validation / \(data.split.test.count) test"),
            ("leakage check", data.leakage.isClean ? "clean" : data.leakage.description),
        ]
        // The trust pages written beside the weights.
        for (suffix, name, what) in [("calibration.html", "calibration", "temperature scaling on the validation split (synapse calibrate)"),
                                     ("explain.html", "explanation", "attributions or a counterfactual of a test example (synapse explain)")] {
            let page = weights.deletingPathExtension().appendingPathExtension(suffix)
            if FileManager.default.fileExists(atPath: page.path) { details.append((name, "\(what); report: \(page.lastPathComponent)")) }
        }
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
            var all = metrics
            for b in baselines {
                all.merge(try TabularTestMetrics.classificationMetrics(b.summary, prefix: b.name.replacingOccurrences(of: " ", with: "_") + "_")) { a, _ in a }
            }
            return outcome(all, classification: evaluation, regression: nil, run: run)
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
        var metrics = TabularTestMetrics.regression(evaluation.summary)
        metrics.merge(try TabularTestMetrics.baselines(baselines, targets: data.testTargets)) { a, _ in a }
        return outcome(metrics, classification: nil, regression: evaluation, run: run)
    }

    private func outcome(_ metrics: [String: Double], classification: EvaluationReport?, regression: RegressionReport?,
                         run: TabularRun) -> Outcome {
        let d = run.data
        var preprocessing: [String] = []
        for c in d.preprocessing.tabular?.columns ?? [] {
            if c.kind == .numeric {
                preprocessing.append("\(c.name): numeric" + (c.fill.map { ", missing values filled with \(String(format: "%.4g", $0))" } ?? "")
                    + (c.scaling.map { ", scaled as (x − \(String(format: "%.4g", $0.shift))) / \(String(format: "%.4g", $0.scale))" } ?? ""))
            } else {
                preprocessing.append("\(c.name): categorical, one-hot over \(c.categories?.count ?? 0) categories seen in training")
            }
        }
        if let scaling = d.preprocessing.seriesScaling {
            preprocessing.append("series scaled as (x − \(String(format: "%.4g", scaling.shift))) / \(String(format: "%.4g", scaling.scale)), "
                + "windows of \(d.preprocessing.window ?? 0) values")
        }
        return Outcome(metrics: metrics, classification: classification, regression: regression, dataset: run.benchmark,
                       splitSizes: (d.split.train.count, d.split.validation.count, d.split.test.count),
                       leakage: d.leakage.isClean ? "clean" : d.leakage.description, seed: run.seed, preprocessing: preprocessing)
    }
}

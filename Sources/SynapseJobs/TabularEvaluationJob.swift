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
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "cannot read the weights: \(error)")
        }
        let meta = archive.metadata
        if meta["source"] == "csv" {
            throw PipelineError.invalidRun(path: weights.path, reason: "the weights were trained on the CSV file \(meta["csv"] ?? "?"); "
                + "`synapse evaluate` rebuilds the built-in datasets only (a CSV run's test metrics are in its report.json)")
        }
        guard let name = meta["dataset"], let saved = TabularBenchmark(rawValue: name) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "the weights were not saved by a tabular `synapse train` run "
                + "(metadata dataset is \(meta["dataset"] ?? "missing"))")
        }
        if let benchmark, benchmark != saved {
            throw PipelineError.invalidRun(path: weights.path, reason: "holds a model for \(saved.rawValue), not \(benchmark.rawValue)")
        }
        // Every value read back is range-checked before use: the file is external input.
        let recorded = WeightsMetadata(meta, path: weights.path)
        if let model = recorded.optionalString("model"), model != "mlp" {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata model is '\(model)'; tabular runs train an mlp")
        }
        guard let hidden = try recorded.optionalSizes("hidden", in: 1...Self.maxWidth, maxCount: Self.maxLayers) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata lacks the hidden sizes")
        }
        let seed = try recorded.seed()
        let validation = try recorded.fraction("validation"), test = try recorded.fraction("test")
        guard validation + test < 1 else {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata validation \(validation) and test \(test) leave no training rows")
        }
        let window = try recorded.integer("window", in: 1...Self.maxWindow)
        let preprocessingURL = TabularTrainingOptions.preprocessingURL(forWeights: weights)
        let prep = try PipelinePreprocessing.load(from: preprocessingURL)
        guard prep.dataset == saved.rawValue else {
            throw PipelineError.invalidRun(path: preprocessingURL.path, reason: "fitted on \(prep.dataset), but the weights are for \(saved.rawValue)")
        }
        let data = try TabularExperimentData(benchmark: saved, seed: seed, validation: validation, test: test,
                                             window: window, saved: prep)
        let classes = saved.task == .classification ? data.classNames.count : 1
        try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: data.inputSize, hiddenSizes: hidden, classes: classes),
                                 model: "MLP \(hidden)", source: weights.path)
        let model = MLPClassifier(inputSize: data.inputSize, hiddenSizes: hidden, classes: classes, generator: RandomGenerator(seed: 0))
        do { try model.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "does not fit an MLP \(hidden) for \(saved.rawValue): \(error)")
        }
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
            try EvaluationReport(title: title, details: details, classNames: data.classNames, labels: predictions.labels,
                                 probabilities: predictions.probabilities, slices: slices).write(to: report)
            return metrics
        }
        let predictions = try TabularTestMetrics.regressionPredictions(model: model, test: data.regression!.test, invert: data.invertTarget)
        let slices = try data.testSlices.map { s throws(MetricError) in
            try RegressionReport.Slicing(name: s.name, targets: data.testTargets, predictions: predictions, keys: s.keys)
        }
        let evaluation = try RegressionReport(title: title, details: details, targets: data.testTargets, predictions: predictions,
                                              baselines: data.baselines, slices: slices,
                                              curve: data.testTimes.map { (x: $0, xLabel: "time") })
        try evaluation.write(to: report)
        var metrics = TabularTestMetrics.regression(evaluation.summary)
        metrics.merge(try TabularTestMetrics.baselines(data.baselines, targets: data.testTargets)) { a, _ in a }
        return metrics
    }
}

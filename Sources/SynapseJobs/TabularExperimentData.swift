import Foundation
import SynapseCore
import SynapseData
import SynapseEval

/// A benchmark's data made ready for training or evaluation: loaded, split (stratified for
/// classification, random for regression, time-ordered for forecasting), checked for leakage,
/// and mapped by preprocessing fitted on the training split only (or by a saved state).
public struct TabularExperimentData: Sendable {
    /// The built-in dataset, or nil for a user's CSV file.
    public let benchmark: TabularBenchmark?
    /// The dataset's name in messages and metadata (`breast-cancer`, or the CSV file's stem).
    public let name: String
    /// What is learnt: classification, regression or forecasting.
    public let task: TabularBenchmark.Task
    /// Row (or window) indices of each part.
    public let split: SplitIndices
    /// Leakage check of the split (duplicates across parts, time order).
    public let leakage: LeakageReport
    /// The preprocessing applied.
    public let preprocessing: PipelinePreprocessing
    /// Model inputs per example.
    public let inputSize: Int
    /// Class names (classification), empty otherwise.
    public let classNames: [String]
    /// Train/validation/test features and labels (classification).
    public let classification: (train: TensorDataset, validation: TensorDataset, test: TensorDataset)?
    /// Train/validation/test features and scaled targets (regression, forecasting).
    public let regression: (train: RegressionDataset, validation: RegressionDataset, test: RegressionDataset)?
    /// Test targets in original units (regression, forecasting).
    public let testTargets: [Double]
    /// Maps a scaled model output back to original units.
    public let invertTarget: @Sendable (Double) -> Double
    /// Baseline predictions on the test split, in original units: `persistence` (forecasting: the
    /// last input value) and `training mean` (regression and forecasting).
    public let baselines: [(name: String, predictions: [Double])]
    /// Group keys of the test examples for slice evaluation, by slicing name.
    public let testSlices: [(name: String, keys: [String])]
    /// Times of the test targets (forecasting).
    public let testTimes: [Double]?

    /// Fewest input windows a forecasting series must yield (enough for three split parts).
    static let minimumWindows = 20

    /// Prepares `benchmark`'s data.
    /// - Parameters:
    ///   - saved: preprocessing saved by a training run; nil fits it on the training split.
    ///   - splitOverride: a split to use instead of the seeded one (still leakage-checked).
    /// - Throws: `DataError` (dataset missing or malformed), `SplitError`, `PipelineError`.
    public init(benchmark: TabularBenchmark, seed: UInt64, validation: Double, test: Double, window: Int,
                saved: PipelinePreprocessing? = nil, splitOverride: SplitIndices? = nil) throws {
        switch benchmark.task {
        case .classification, .regression:
            let data = try TabularDataset.builtIn(named: benchmark.rawValue)
            self = try Self(table: data, benchmark: benchmark, name: benchmark.rawValue, task: benchmark.task, seed: seed,
                            validation: validation, test: test, saved: saved, splitOverride: splitOverride)
        case .forecasting:
            self.benchmark = benchmark
            name = benchmark.rawValue
            task = .forecasting
            let series = try TimeSeries.builtIn(named: benchmark.rawValue)
            let window = saved?.window ?? window
            // Checked here rather than trapping in `windows(length:)`: the window may come from a flag or a saved file.
            let longest = series.count - Self.minimumWindows
            guard window >= 1, window <= longest else {
                throw PipelineError.invalidOption(name: "window", reason: "must be from 1 to \(longest) for \(benchmark.rawValue) "
                    + "(\(series.count) values), got \(window)" + (saved?.window != nil ? " (from the saved preprocessing)" : ""))
            }
            let windows = try series.windows(length: window)
            let split = try splitOverride ?? Splitter.timeOrdered(times: windows.targetTimes, validation: validation, test: test)
            self.split = split
            leakage = LeakageReport(split: split, times: windows.targetTimes)
            let scaling = saved?.seriesScaling ?? windows.standardized(fittedOn: split.train).scaling
            preprocessing = PipelinePreprocessing(dataset: benchmark.rawValue, seriesScaling: scaling, window: window)
            inputSize = window
            classNames = []
            classification = nil
            // The same mapping as `TimeSeriesWindows.standardized`, so a saved scaling reproduces it
            // exactly; a (forged) saved scaling that overflows Float is refused, not turned into inf.
            let scaled = try preprocessing.scaledWindows(windows, path: saved == nil ? "the fitted series scaling" : "the saved preprocessing")
            regression = (scaled.subset(split.train), scaled.subset(split.validation), scaled.subset(split.test))
            let raw = windows.dataset.subset(split.test)
            testTargets = raw.targets.scalars.map(Double.init)
            invertTarget = { scaling.invert($0) }
            let inputs = raw.features.scalars
            let trainTargets = windows.dataset.subset(split.train).targets.scalars.map(Double.init)
            let mean = trainTargets.reduce(0, +) / Double(max(trainTargets.count, 1))
            baselines = [("persistence", (0..<raw.count).map { Double(inputs[$0 * window + window - 1]) }),
                         ("training mean", [Double](repeating: mean, count: raw.count))]
            testTimes = split.test.map { windows.targetTimes[$0] }
            let decades = testTimes!.map { "\(Int(($0 / 10).rounded(.down)) * 10)s" }
            testSlices = [("target quartile", RegressionReport.quantileKeys(testTargets)), ("decade", decades)]
        }
    }

    /// Prepares a classification or regression table: splits it (stratified for classification,
    /// random for regression), checks the split for leakage and fits the preprocessing on the
    /// training split (or uses `saved`).
    /// - Throws: `SplitError`, `DataError`, `PipelineError`.
    init(table data: TabularDataset, benchmark: TabularBenchmark?, name: String, task: TabularBenchmark.Task, seed: UInt64,
         validation: Double, test: Double, saved: PipelinePreprocessing?, splitOverride: SplitIndices?) throws {
        self.benchmark = benchmark
        self.name = name
        self.task = task
        let split = try splitOverride ?? (task == .classification
            ? Splitter.stratified(labels: data.classIndices ?? [], validation: validation, test: test, seed: seed)
            : Splitter.random(count: data.count, validation: validation, test: test, seed: seed))
        self.split = split
        leakage = LeakageReport(split: split, fingerprints: data.rowFingerprints())
        let options = PreprocessingOptions(targetScaling: task == .regression ? .standardize : .none)
        let prep = try saved?.tabular ?? TabularPreprocessor.fitted(on: data.subset(split.train), options: options)
        preprocessing = PipelinePreprocessing(dataset: name, tabular: prep)
        inputSize = prep.outputWidth
        let testRows = data.subset(split.test)
        var slices: [(name: String, keys: [String])] = []
        if task == .classification {
            let names = data.classNames ?? []
            classNames = names
            classification = (try prep.classificationDataset(data.subset(split.train)),
                              try prep.classificationDataset(data.subset(split.validation)),
                              try prep.classificationDataset(testRows))
            regression = nil
            testTargets = []
            invertTarget = { $0 }
            baselines = []
            slices.append(("true class", (testRows.classIndices ?? []).map { names[$0] }))
        } else {
            classNames = []
            classification = nil
            regression = (try prep.regressionDataset(data.subset(split.train)), try prep.regressionDataset(data.subset(split.validation)),
                          try prep.regressionDataset(testRows))
            testTargets = testRows.targetValues ?? []
            let targetScaling = prep.targetScaling ?? .identity
            invertTarget = { targetScaling.invert($0) }
            let trainTargets = data.subset(split.train).targetValues ?? []
            let mean = trainTargets.reduce(0, +) / Double(max(trainTargets.count, 1))
            baselines = [("training mean", [Double](repeating: mean, count: testTargets.count))]
            slices.append(("target quartile", RegressionReport.quantileKeys(testTargets)))
        }
        // A second slicing by a meaningful column: sex for diabetes, tumour size for breast cancer.
        if let benchmark, let column = try? testRows.column(named: benchmark == .diabetes ? "sex" : "mean radius"),
           case .numeric(let values) = column.values {
            slices.append(benchmark == .diabetes
                ? ("sex", values.map { "sex=\(Int($0))" })
                : ("mean radius quartile", RegressionReport.quantileKeys(values)))
        }
        testSlices = slices
        testTimes = nil
    }
}

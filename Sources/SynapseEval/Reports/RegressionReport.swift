import Foundation
import SynapseCore
import SynapseIO

/// The regression metrics of one set of predictions (original units): MAE, MSE, RMSE, R², MAPE.
public struct RegressionSummary: Sendable, Codable, Equatable {
    /// Examples.
    public let count: Int
    /// Mean absolute error.
    public let meanAbsoluteError: Double
    /// Mean squared error.
    public let meanSquaredError: Double
    /// Root mean squared error.
    public let rootMeanSquaredError: Double
    /// Coefficient of determination (scikit-learn's `r2_score`).
    public let r2: Double
    /// Mean absolute percentage error, as a fraction (scikit-learn's `mean_absolute_percentage_error`).
    public let meanAbsolutePercentageError: Double

    /// Computes every metric of `predictions` against `targets`.
    /// - Throws: `MetricError` for empty or mismatched inputs or NaN.
    public init(targets: [Double], predictions: [Double]) throws(MetricError) {
        count = targets.count
        meanAbsoluteError = try SynapseEval.meanAbsoluteError(targets, predictions)
        meanSquaredError = try SynapseEval.meanSquaredError(targets, predictions)
        rootMeanSquaredError = try SynapseEval.rootMeanSquaredError(targets, predictions)
        r2 = try r2Score(targets, predictions)
        meanAbsolutePercentageError = try SynapseEval.meanAbsolutePercentageError(targets, predictions)
    }

    /// The metrics by their short names (`mae`, `mse`, `rmse`, `r2`, `mape`).
    public var values: [(name: String, value: Double)] {
        [("mae", meanAbsoluteError), ("mse", meanSquaredError), ("rmse", rootMeanSquaredError), ("r2", r2),
         ("mape", meanAbsolutePercentageError)]
    }
}

/// An evaluation report for a regressor or forecaster: the regression metrics, baselines for
/// comparison (a persistence forecast, the training mean), slices with the worst one (highest
/// MAE) highlighted, and optionally the predictions plotted against the actual values.
/// Markdown or HTML, chosen by the file extension as for `EvaluationReport`.
public struct RegressionReport: Sendable {
    /// One slicing of the examples (by a column, or by target quantile).
    public struct Slicing: Sendable {
        /// What the slices are by.
        public let name: String
        /// The slices, in key order.
        public let slices: [EvaluationSlice<RegressionSummary>]

        /// Slices `targets`/`predictions` by `keys` (one per example); slices of fewer than two
        /// examples are dropped (R² needs two).
        public init(name: String, targets: [Double], predictions: [Double], keys: [String]) throws(MetricError) {
            self.name = name
            var out: [EvaluationSlice<RegressionSummary>] = []
            for group in SliceEvaluation.groups(keys: keys) where group.indices.count >= 2 {
                let s = try RegressionSummary(targets: group.indices.map { targets[$0] }, predictions: group.indices.map { predictions[$0] })
                out.append(EvaluationSlice(key: group.key, count: group.indices.count, summary: s))
            }
            slices = out
        }

        /// The slice with the highest mean absolute error.
        public var worst: EvaluationSlice<RegressionSummary>? { slices.max { $0.summary.meanAbsoluteError < $1.summary.meanAbsoluteError } }
    }

    /// Report title.
    public var title: String
    /// Facts about the run shown under the title.
    public var details: [(name: String, value: String)]
    /// Metrics of the model's predictions.
    public var summary: RegressionSummary
    /// Metrics of simple baselines on the same examples, by name.
    public var baselines: [(name: String, summary: RegressionSummary)]
    /// Slice evaluations.
    public var slices: [Slicing]
    /// Actual and predicted values against x (time, or example index) for a plot; empty: no plot.
    public var curve: (x: [Double], actual: [Double], predicted: [Double], xLabel: String)?

    /// A report of `predictions` against `targets`.
    public init(title: String, details: [(name: String, value: String)] = [], targets: [Double], predictions: [Double],
                baselines: [(name: String, predictions: [Double])] = [], slices: [Slicing] = [],
                curve: (x: [Double], xLabel: String)? = nil) throws(MetricError) {
        self.title = title
        self.details = details
        summary = try RegressionSummary(targets: targets, predictions: predictions)
        var b: [(name: String, summary: RegressionSummary)] = []
        for baseline in baselines { b.append((baseline.name, try RegressionSummary(targets: targets, predictions: baseline.predictions))) }
        self.baselines = b
        self.slices = slices
        self.curve = curve.map { (x: $0.x, actual: targets, predicted: predictions, xLabel: $0.xLabel) }
    }

    /// Target quantile buckets ("Q1 lowest [25, 77]", ...) for slicing by the size of the target.
    public static func quantileKeys(_ values: [Double], buckets: Int = 4) -> [String] {
        let k = max(buckets, 1)
        guard !values.isEmpty else { return [] }
        let order = values.indices.sorted { values[$0] < values[$1] }
        var bucketOf = [Int](repeating: 0, count: values.count)
        for (rank, i) in order.enumerated() { bucketOf[i] = rank * k / values.count }
        var ranges = [(low: Double, high: Double)](repeating: (.infinity, -.infinity), count: k)
        for (i, b) in bucketOf.enumerated() { ranges[b] = (min(ranges[b].low, values[i]), max(ranges[b].high, values[i])) }
        let names = (0..<k).map { b -> String in
            let tag = b == 0 ? " lowest" : b == k - 1 ? " highest" : ""
            return "Q\(b + 1)\(tag) [" + String(format: "%.4g, %.4g", ranges[b].low, ranges[b].high) + "]"
        }
        return bucketOf.map { names[$0] }
    }

    /// The report's content, format-neutral.
    public var document: ReportDocument {
        let f = EvaluationReport.format
        var doc = ReportDocument()
        doc.add(.heading(title, level: 1))
        if !details.isEmpty { doc.add(.table(header: ["", ""], rows: details.map { [$0.name, $0.value] })) }
        doc.add(.heading("Metrics", level: 2))
        doc.add(.paragraph("\(summary.count) examples, metrics in the target's original units; MAPE is a fraction."))
        let header = ["metric", "model"] + baselines.map(\.name)
        let names = ["MAE", "MSE", "RMSE", "R²", "MAPE"]
        let rows = names.indices.map { i in [names[i], f(summary.values[i].value)] + baselines.map { f($0.summary.values[i].value) } }
        doc.add(.table(header: header, rows: rows))
        if let curve, !curve.x.isEmpty {
            let chart = LineChart(title: "Actual and predicted", xLabel: curve.xLabel, yLabel: "value", series: [
                LineChart.Series(name: "actual", points: zip(curve.x, curve.actual).map { (x: $0, y: $1) }),
                LineChart.Series(name: "predicted", points: zip(curve.x, curve.predicted).map { (x: $0, y: $1) }, dashed: true),
            ], width: 760)
            doc.add(.figure(svg: chart.canvas.element, caption: "Actual values and the model's predictions"))
        }
        for slicing in slices {
            doc.add(.heading("Slices by \(slicing.name)", level: 2))
            let worst = slicing.worst
            if let worst {
                doc.add(.paragraph("Worst slice by MAE: \(worst.key) with \(f(worst.summary.meanAbsoluteError)) on \(worst.count) "
                    + "examples (all examples: \(f(summary.meanAbsoluteError)))."))
            }
            let rows = slicing.slices.map { s in
                [s.key == worst?.key ? "\(s.key) (worst)" : s.key, String(s.count), f(s.summary.meanAbsoluteError),
                 f(s.summary.rootMeanSquaredError), f(s.summary.r2), f(s.summary.meanAbsolutePercentageError)]
            }
            let highlighted = Set(slicing.slices.indices.filter { slicing.slices[$0].key == worst?.key })
            doc.add(.table(header: [slicing.name, "count", "MAE", "RMSE", "R²", "MAPE"], rows: rows, highlighted: highlighted))
        }
        return doc
    }

    /// The report rendered in `format`.
    public func render(_ format: ReportFormat) -> String { format.render(document, title: title) }

    /// Writes the report to `url` atomically (`.md` Markdown, `.html` HTML with the plot).
    /// - Throws: `ReportError.unsupportedFormat` or `.writeFailed`.
    public func write(to url: URL) throws(ReportError) {
        let format = try ReportFormat(path: url.path)
        do { try AtomicFile.write(Data(render(format).utf8), to: url) } catch {
            throw .writeFailed(path: url.path, reason: "\(error)")
        }
    }
}

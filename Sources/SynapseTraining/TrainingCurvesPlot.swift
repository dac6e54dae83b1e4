import Foundation
import SynapseCore
import SynapseEval
import SynapseIO

/// Loss and metric curves of a training history as SVG line charts: one chart of the losses
/// (`loss`, `val_loss`) and one of the other validation and test metrics (`val_accuracy`, `test_accuracy`, ...),
/// both against the epoch.
public struct TrainingCurvesPlot: Sendable {
    /// The losses against the epoch.
    public let lossChart: LineChart
    /// The validation metrics other than the loss, or nil when the history has none.
    public let metricChart: LineChart?

    /// Builds the charts from `history`; `title` prefixes the chart titles.
    public init(history: TrainingHistory, title: String = "Training") {
        let epochs = history.records.map { Double($0.epoch) }
        func series(_ name: String, dashed: Bool = false) -> LineChart.Series {
            let points = zip(epochs, history.series(name)).compactMap { e, v in v.map { (x: e, y: $0) } }
            return LineChart.Series(name: name, points: points, dashed: dashed)
        }
        let names = history.names
        let losses = ["loss", "val_loss"].filter(names.contains)
        lossChart = LineChart(title: "\(title): loss", xLabel: "epoch", yLabel: "loss",
                              series: losses.map { series($0, dashed: $0 == "val_loss") })
        let metrics = names.filter { ($0.hasPrefix("val_") && $0 != "val_loss") || $0.hasPrefix("test_") }
        metricChart = metrics.isEmpty ? nil
            : LineChart(title: "\(title): validation metrics", xLabel: "epoch", yLabel: "value", series: metrics.map { series($0) })
    }

    /// Writes `loss.svg` (and `metrics.svg` when there are metrics) into `directory` atomically and
    /// returns the files written.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written = [directory.appendingPathComponent("loss.svg")]
        try AtomicFile.write(Data(lossChart.svg.utf8), to: written[0])
        if let metricChart {
            written.append(directory.appendingPathComponent("metrics.svg"))
            try AtomicFile.write(Data(metricChart.svg.utf8), to: written[1])
        }
        return written
    }
}

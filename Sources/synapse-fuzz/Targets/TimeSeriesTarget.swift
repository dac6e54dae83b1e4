import Foundation
import Synapse

/// Time-series CSV files read by `TimeSeries.load` and cut into forecasting windows.
///
/// The seed is the first 60 years of statsmodels' sunspots file (found with `PythonPackageData`).
/// A mutant is read as `synapse train --dataset sunspots` reads its file: loaded, cut into 12-value
/// windows, standardised on the first 70 % of windows.
///
/// Accepted corruption: a changed digit is a legitimate different value, so a mutant may be
/// accepted, but only if times do not decrease, every value and every scaled window is finite,
/// and the windows match the series length.
struct TimeSeriesTarget: FuzzTarget {
    let name = "timeseries"

    func seeds() throws -> [[UInt8]] {
        let url = try PythonPackageData.locate("statsmodels/datasets/sunspots/sunspots.csv", dataset: "sunspots",
                                               install: TimeSeries.statsmodelsInstall)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        return [Array((lines.prefix(61).joined(separator: "\n") + "\n").utf8)]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "series.csv") else { return .rejected }
        let series: TimeSeries
        let windows: TimeSeriesWindows
        do {
            series = try TimeSeries.load(url, name: "mutant", timeColumn: "YEAR", valueColumn: "SUNACTIVITY")
            windows = try series.windows(length: 12)
        } catch {
            return .rejected
        }
        guard zip(series.times, series.times.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            return .corruptionAccepted("times decrease")
        }
        if let bad = series.values.first(where: { !$0.isFinite }) { return .corruptionAccepted("value \(bad) accepted") }
        guard windows.count == series.count - 12 else {
            return .corruptionAccepted("\(windows.count) windows from \(series.count) values")
        }
        let train = Array(0..<max(1, windows.count * 7 / 10))
        let (scaled, scaling) = windows.standardized(fittedOn: train)
        guard scaling.scale.isFinite, scaling.scale > 0, scaling.shift.isFinite else {
            return .corruptionAccepted("scaling \(scaling) fitted on accepted values")
        }
        if let bad = scaled.dataset.features.scalars.first(where: { !$0.isFinite }) {
            return .corruptionAccepted("scaled window value \(bad)")
        }
        return .accepted
    }
}

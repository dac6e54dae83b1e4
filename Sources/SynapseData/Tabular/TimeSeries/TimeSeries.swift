import Foundation
import SynapseCore

/// A univariate time series: values at increasing times, for forecasting.
///
/// `windows(length:)` turns it into supervised examples (the last `length` values → the next
/// value); split those with `Splitter.timeOrdered(times: windows.targetTimes, ...)` so every
/// validation target lies after every training target.
public struct TimeSeries: Sendable, Equatable {
    /// What to do with missing values in a series file.
    public enum MissingPolicy: String, Sendable {
        /// Throw `TabularError.missingValue`.
        case error
        /// Leave the time step out.
        case drop
        /// Fill linearly between the neighbouring present values (the nearest one at the ends).
        case interpolate
    }

    /// How the time column is written.
    public enum TimeFormat: String, Sendable {
        /// A plain number (a year, a step index).
        case number
        /// An 8-digit date `YYYYMMDD`, converted to a decimal year.
        case yyyymmdd
    }

    /// The series' name, for reports.
    public let name: String
    /// Time of each value, non-decreasing.
    public let times: [Double]
    /// The values.
    public let values: [Double]

    /// A series from its parts.
    /// - Precondition: equal lengths, times non-decreasing.
    public init(name: String, times: [Double], values: [Double]) {
        require(times.count == values.count, "TimeSeries \(name): \(times.count) times for \(values.count) values")
        require(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "TimeSeries \(name): times must be non-decreasing")
        self.name = name
        self.times = times
        self.values = values
    }

    /// Number of time steps.
    public var count: Int { values.count }

    /// Reads a series from two columns of a CSV file.
    /// - Throws: `DataError` for unreadable or malformed files, missing columns, unparsable
    ///   numbers or dates, times out of order, and missing values under `.error`.
    public static func load(_ url: URL, name: String, timeColumn: String, valueColumn: String, timeFormat: TimeFormat = .number,
                            missing: MissingPolicy = .error, format: CSVFormat = .csv) throws(DataError) -> TimeSeries {
        let table = try CSVReader.read(url, format: format)
        let timeIndex = try table.columnIndex(timeColumn), valueIndex = try table.columnIndex(valueColumn)
        var times: [Double] = [], values: [Double] = []
        for (r, row) in table.rows.enumerated() {
            let line = table.lineNumbers[r]
            let timeText = TabularDataset.trimmingBlanks(row[timeIndex])
            guard let time = parseTime(timeText, timeFormat), time.isFinite else {
                throw .tabular(.invalidNumber(path: table.path, line: line, column: timeColumn, value: timeText))
            }
            if let last = times.last, time < last {
                throw .invalidContents(path: table.path, reason: "line \(line): time \(timeText) is earlier than the row before it")
            }
            let valueText = TabularDataset.trimmingBlanks(row[valueIndex])
            var value = Double.nan
            if !TabularOptions.defaultMissingMarkers.contains(valueText) {
                guard let parsed = Double(valueText) else {
                    throw .tabular(.invalidNumber(path: table.path, line: line, column: valueColumn, value: valueText))
                }
                guard parsed.isFinite else {
                    throw .tabular(.nonFiniteValue(path: table.path, line: line, column: valueColumn, value: valueText))
                }
                // Windows are Float tensors: a larger value would become infinity there.
                guard parsed.magnitude <= Double(Float.greatestFiniteMagnitude) else {
                    throw .invalidContents(path: table.path, reason: "line \(line): column \"\(valueColumn)\": value \(valueText)"
                                           + " is too large for 32-bit training (magnitude above 3.4e38)")
                }
                value = parsed
            } else if missing == .error {
                throw .tabular(.missingValue(path: table.path, line: line, column: valueColumn))
            } else if missing == .drop {
                continue
            }
            times.append(time)
            values.append(value)
        }
        guard values.contains(where: { !$0.isNaN }) else {
            throw .tabular(.emptyFile(path: table.path, reason: "column \"\(valueColumn)\" holds no values"))
        }
        return TimeSeries(name: name, times: times, values: missing == .interpolate ? interpolated(values) : values)
    }

    private static func parseTime(_ text: String, _ format: TimeFormat) -> Double? {
        switch format {
        case .number:
            return Double(text)
        case .yyyymmdd:
            guard text.count == 8, let n = Int(text) else { return nil }
            let year = n / 10000, month = n / 100 % 100, day = n % 100
            guard (1...12).contains(month), (1...31).contains(day) else { return nil }
            let daysBefore = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let dayOfYear = daysBefore[month - 1] + day - 1 + (leap && month > 2 ? 1 : 0)
            return Double(year) + Double(dayOfYear) / (leap ? 366 : 365)
        }
    }

    /// NaN gaps filled linearly between neighbours (by position), with the nearest value at the ends.
    static func interpolated(_ values: [Double]) -> [Double] {
        var out = values
        let present = values.indices.filter { !values[$0].isNaN }
        guard let first = present.first, let last = present.last else { return out }
        for i in 0..<first { out[i] = values[first] }
        for i in (last + 1)..<values.count { out[i] = values[last] }
        for (a, b) in zip(present, present.dropFirst()) where b > a + 1 {
            for i in (a + 1)..<b {
                out[i] = values[a] + (values[b] - values[a]) * Double(i - a) / Double(b - a)
            }
        }
        return out
    }

    /// Supervised examples: inputs are `length` consecutive values, the target is the value
    /// `horizon` steps after the last input (1 = the next value).
    /// - Throws: `DataError.invalidWindow` when `length` or `horizon` is below 1, or the series has
    ///   too few values for one window (the window length usually comes from a command line or a
    ///   saved preprocessing file, so it is reported, not trapped).
    public func windows(length: Int, horizon: Int = 1) throws(DataError) -> TimeSeriesWindows {
        guard length >= 1, horizon >= 1 else {
            throw .invalidWindow(series: name, length: length, horizon: horizon, values: count,
                                 reason: "the window length and the horizon must each be at least 1")
        }
        // Compared one at a time so that a huge length cannot overflow the sum.
        guard length < count, horizon <= count - length else {
            throw .invalidWindow(series: name, length: length, horizon: horizon, values: count,
                                 reason: "too few values: one window needs at least \(length) + \(horizon) values"
                                     + (length < count ? "" : "; choose a window below \(count)"))
        }
        let n = count - length - horizon + 1
        var inputs = [Float](), targets = [Float]()
        inputs.reserveCapacity(n * length)
        for start in 0..<n {
            inputs += values[start..<(start + length)].map { Float($0) }
            targets.append(Float(values[start + length + horizon - 1]))
        }
        let positions = (0..<n).map { $0 + length + horizon - 1 }
        return TimeSeriesWindows(dataset: RegressionDataset(features: Tensor(shape: [n, length], scalars: inputs),
                                                            targets: Tensor(shape: [n, 1], scalars: targets)),
                                 targetPositions: positions, targetTimes: positions.map { times[$0] },
                                 length: length, horizon: horizon, values: values)
    }
}

/// Lagged windows of a `TimeSeries` as a regression dataset, with the time of each target (the
/// key for `Splitter.timeOrdered` and `LeakageReport`).
public struct TimeSeriesWindows: Sendable {
    /// Inputs `[N, length]` and targets `[N, 1]`.
    public let dataset: RegressionDataset
    /// Position in the series of each window's target.
    public let targetPositions: [Int]
    /// Time of each window's target.
    public let targetTimes: [Double]
    /// Number of input values per window.
    public let length: Int
    /// Steps from the last input to the target.
    public let horizon: Int
    let values: [Double]

    /// Number of windows.
    public var count: Int { targetPositions.count }

    /// Standardisation fitted on the series values that the windows `train` see (their inputs and
    /// targets, all earlier than any later split's targets), and the windows with inputs and
    /// targets mapped by it. Invert predictions with `ScalingParameters.invert`.
    public func standardized(fittedOn train: [Int]) -> (windows: TimeSeriesWindows, scaling: ScalingParameters) {
        var seen = Set<Int>()
        for w in train {
            let end = targetPositions[w]
            for p in (end - length - horizon + 1)...end { seen.insert(p) }
        }
        let scaling = ScalingParameters.fit(.standardize, to: seen.sorted().map { values[$0] })
        let map = { (t: Tensor) in Tensor(shape: t.shape, scalars: t.scalars.map { Float(scaling.apply(Double($0))) }) }
        let scaled = TimeSeriesWindows(dataset: RegressionDataset(features: map(dataset.features), targets: map(dataset.targets)),
                                       targetPositions: targetPositions, targetTimes: targetTimes, length: length,
                                       horizon: horizon, values: values.map { scaling.apply($0) })
        return (scaled, scaling)
    }
}

import Testing
@testable import Synapse
@testable import SynapseData

/// Windows that do not fit the series are typed errors (they come from `--window` or a saved
/// preprocessing file), never a trap.
@Suite struct TimeSeriesWindowTests {
    static let series = TimeSeries(name: "short", times: (0..<10).map(Double.init), values: (0..<10).map(Double.init))

    @Test(arguments: [(400, 1), (10, 1), (0, 1), (-3, 1), (3, 0), (3, 8), (Int.max, 1), (1, Int.max)])
    func windowsThatDoNotFitThrow(length: Int, horizon: Int) {
        let error = dataError { () throws(DataError) in try Self.series.windows(length: length, horizon: horizon) }
        guard case .invalidWindow(let name, let l, let h, let values, _)? = error else {
            Issue.record("expected invalidWindow, got \(String(describing: error))"); return
        }
        #expect(name == "short" && l == length && h == horizon && values == 10)
        #expect(error?.description.contains("time series short (10 values)") == true)
    }

    @Test func theLongestWindowThatFitsWorks() throws {
        let windows = try Self.series.windows(length: 9)
        #expect(windows.count == 1)
        #expect(windows.dataset.targets.scalars == [9])
        #expect(try Self.series.windows(length: 7, horizon: 3).count == 1)
    }
}

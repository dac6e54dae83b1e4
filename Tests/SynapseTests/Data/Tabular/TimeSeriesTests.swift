import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct TimeSeriesTests {
    @Test func windowsPredictTheNextValue() throws {
        let series = TimeSeries(name: "ramp", times: (0..<6).map(Double.init), values: [10, 11, 12, 13, 14, 15])
        let windows = try series.windows(length: 3)
        #expect(windows.count == 3)
        #expect(windows.dataset.features.shape == [3, 3])
        #expect(windows.dataset.features.scalars == [10, 11, 12, 11, 12, 13, 12, 13, 14])
        #expect(windows.dataset.targets.scalars == [13, 14, 15])
        #expect(windows.targetTimes == [3, 4, 5])
        let ahead = try series.windows(length: 2, horizon: 2)
        #expect(ahead.dataset.targets.scalars == [13, 14, 15])
        #expect(ahead.dataset.features.scalars == [10, 11, 11, 12, 12, 13])
    }

    @Test func standardisationSeesOnlyTrainingWindows() throws {
        let series = TimeSeries(name: "s", times: (0..<10).map(Double.init), values: [1, 2, 3, 4, 5, 100, 200, 300, 400, 500])
        let windows = try series.windows(length: 2)
        let split = try Splitter.timeOrdered(times: windows.targetTimes, validation: 0.25, test: 0.25)
        #expect(LeakageReport(split: split, times: windows.targetTimes).isClean)
        let (_, scaling) = windows.standardized(fittedOn: split.train)
        // Training windows (targets at t = 2, 3, 4, 5) cover values 1...100 at t = 0...5.
        let seen: [Double] = [1, 2, 3, 4, 5, 100]
        #expect(scaling == ScalingParameters.fit(.standardize, to: seen))
    }

    @Test func loadsDatesAndInterpolatesGaps() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("co2.csv")
        try Data("date,co2\n19580101,1\n19580108,\n19580115,3\n19580122,NaN\n19580129,9\n".utf8).write(to: url)
        let series = try TimeSeries.load(url, name: "t", timeColumn: "date", valueColumn: "co2", timeFormat: .yyyymmdd,
                                         missing: .interpolate)
        #expect(series.values == [1, 2, 3, 6, 9])
        #expect(abs(series.times[1] - (1958 + 7.0 / 365)) < 1e-9)
        let dropped = try TimeSeries.load(url, name: "t", timeColumn: "date", valueColumn: "co2", timeFormat: .yyyymmdd, missing: .drop)
        #expect(dropped.values == [1, 3, 9])
        #expect(tabularError { () throws(DataError) in
            try TimeSeries.load(url, name: "t", timeColumn: "date", valueColumn: "co2", timeFormat: .yyyymmdd)
        } == .missingValue(path: url.path, line: 3, column: "co2"))
        guard case .missingColumn(_, "value", let available)? = tabularError({ () throws(DataError) in
            try TimeSeries.load(url, name: "t", timeColumn: "date", valueColumn: "value")
        }) else {
            Issue.record("a missing value column should be named")
            return
        }
        #expect(available == ["date", "co2"])
    }

    @Test func timesOutOfOrderAreAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("s.csv")
        try Data("t,v\n2000,1\n1999,2\n".utf8).write(to: url)
        let error = dataError { () throws(DataError) in try TimeSeries.load(url, name: "s", timeColumn: "t", valueColumn: "v") }
        #expect(error?.description.contains("line 3: time 1999 is earlier") == true)
    }
}

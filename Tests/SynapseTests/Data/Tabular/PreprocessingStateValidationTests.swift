import Foundation
import Testing
@testable import Synapse
@testable import SynapseData
@testable import SynapseJobs

/// Saved preprocessing states with unusable statistics, unknown keys or out-of-range windows are
/// refused when loaded, naming the file and the value.
@Suite struct PreprocessingStateValidationTests {
    static func fittedState() throws -> TabularPreprocessor {
        let table = try CSVReader.parse("a,b,colour,y\n1,10,red,0\n2,20,blue,1\n4,30,red,0\n")
        let data = try TabularDataset(table: table, options: TabularOptions(label: "y", task: .classification()))
        return try TabularPreprocessor.fitted(on: data)
    }

    static func json(_ state: some Encodable) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try JSONEncoder().encode(state)) as! [String: Any]
    }

    static func reason(_ object: [String: Any]) -> String? {
        let data = try! JSONSerialization.data(withJSONObject: object)
        guard case .tabular(.invalidState(let path, let reason))? = dataError({ () throws(DataError) in
            try TabularPreprocessor.decode(data, path: "prep.json")
        }) else { return nil }
        #expect(path == "prep.json")
        return reason
    }

    @Test func validStateRoundTrips() throws {
        let state = try Self.fittedState()
        let data = try JSONEncoder().encode(state)
        #expect(try TabularPreprocessor.decode(data, path: "prep.json") == state)
    }

    @Test(arguments: [0.0, -1.0])
    func nonPositiveScaleIsRefused(scale: Double) throws {
        var object = try Self.json(try Self.fittedState())
        var columns = object["columns"] as! [[String: Any]]
        columns[0]["scaling"] = ["shift": 1.0, "scale": scale]
        object["columns"] = columns
        let reason = Self.reason(object)
        #expect(reason?.contains("column \"a\": scale") == true)
        #expect(reason?.contains("above 0") == true)
    }

    @Test func unknownKeysAndBadCategoriesAreRefused() throws {
        var object = try Self.json(try Self.fittedState())
        object["sclae"] = 1
        #expect(Self.reason(object) == "unknown key \"sclae\"")
        object["sclae"] = nil
        var columns = object["columns"] as! [[String: Any]]
        columns[0]["scaling"] = ["shift": 1.0, "scale": 2.0, "extra": true]
        object["columns"] = columns
        #expect(Self.reason(object) == "unknown key \"columns[0].scaling.extra\"")
        columns[0]["scaling"] = ["shift": 1.0, "scale": 2.0]
        columns[2]["categories"] = []
        object["columns"] = columns
        #expect(Self.reason(object)?.contains("without categories") == true)
        columns[2]["categories"] = ["red", "red"]
        object["columns"] = columns
        #expect(Self.reason(object)?.contains("listed twice") == true)
    }

    @Test func fittingOnOverflowingValuesThrows() throws {
        let table = try CSVReader.parse("a,y\n1e308,0\n1.7e308,1\n-1.7e308,0\n")
        let data = try TabularDataset(table: table, options: TabularOptions(label: "y", task: .classification()))
        guard case .tabular(.invalidState(_, let reason))? = dataError({ () throws(DataError) in try TabularPreprocessor.fitted(on: data) }) else {
            Issue.record("expected invalidState"); return
        }
        #expect(reason.contains("column \"a\""))
    }

    @Test(arguments: [0, -5, 1_000_000])
    func pipelineWindowOutOfRangeIsRefused(window: Int) throws {
        let json = #"{"dataset": "sunspots", "seriesScaling": {"shift": 80, "scale": 40}, "window": \#(window)}"#
        #expect(throws: PipelineError.self) { try PipelinePreprocessing.decode(Data(json.utf8), path: "p.json") }
        do { _ = try PipelinePreprocessing.decode(Data(json.utf8), path: "p.json") } catch {
            #expect(error.description.contains("p.json") && error.description.contains("window \(window)"))
        }
    }

    @Test func pipelineScaleAndKeysAreChecked() throws {
        let good = #"{"dataset": "sunspots", "seriesScaling": {"shift": 80, "scale": 40}, "window": 12}"#
        #expect(try PipelinePreprocessing.decode(Data(good.utf8), path: "p.json").window == 12)
        for bad in [#"{"dataset": "sunspots", "seriesScaling": {"shift": 80, "scale": 0}, "window": 12}"#,
                    #"{"dataset": "sunspots", "seriesScaling": {"shift": 80, "scale": -1}, "window": 12}"#,
                    #"{"dataset": "sunspots", "seriesScaling": {"shift": 80, "scale": 40}, "window": 12, "windw": 3}"#,
                    #"{"dataset": "sunspots", "seriesScaling": {"shift": 80, "scale": 40}, "window": "12"}"#,
                    #"{"dataset": "sunspots"}"#] {
            #expect(throws: PipelineError.self) { try PipelinePreprocessing.decode(Data(bad.utf8), path: "p.json") }
        }
    }
}

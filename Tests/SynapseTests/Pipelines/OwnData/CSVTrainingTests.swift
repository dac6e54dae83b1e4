import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseIO
@testable import SynapseJobs

/// Training on a user's CSV file (`CSVTrainingSource`): task and column detection, the typed errors
/// of bad files, and a full run of the tabular job on scikit-learn's wine data written as a CSV.
@Suite struct CSVTrainingTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, in dir: URL, name: String = "data.csv") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func theTaskIsDetectedFromTheLabels() {
        #expect(CSVTrainingSource.detectTask(["cat", "dog", "cat", "dog"]) == .classification)
        #expect(CSVTrainingSource.detectTask(["0", "1", "1", "0", "2", "2"]) == .classification)
        #expect(CSVTrainingSource.detectTask(["0.5", "1.25", "2", "3"]) == .regression)
        #expect(CSVTrainingSource.detectTask((0..<100).map(String.init)) == .regression)    // many distinct whole numbers
        #expect(CSVTrainingSource.detectTask(["1", "2", "3"]) == .regression)               // as many classes as rows
    }

    @Test func columnsAreTypedByDetectionAndByOverride() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<12).map { "\($0 % 3),\(["red", "green"][$0 % 2]),\(Double($0) * 0.5),\($0 % 2 == 0 ? "yes" : "no")" }
        let url = try Self.write((["zone,colour,size,bought"] + rows).joined(separator: "\n"), in: dir, name: "shop.csv")
        let (data, task) = try CSVTrainingSource(file: url, label: "bought").load()
        #expect(task == .classification && data.classNames == ["no", "yes"])
        #expect(data.columns.map(\.kind) == [.numeric, .categorical, .numeric])
        let (declared, declaredTask) = try CSVTrainingSource(file: url, label: "size", task: .regression, categorical: ["zone"]).load()
        #expect(declaredTask == .regression && declared.columns.map(\.kind) == [.categorical, .categorical, .categorical])
        #expect(CSVTrainingSource(file: url, label: "x").name == "shop")
    }

    @Test func badFilesAreTypedErrorsNamingTheFileAndColumn() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.csv")
        #expect(throws: DataError.fileNotFound(path: missing.path)) { try CSVTrainingSource(file: missing, label: "y").load() }
        let url = try Self.write("a,b,y\n1,2,x\n3,4,x\n5,oops,x\n", in: dir)
        #expect(throws: DataError.tabular(.missingColumn(path: url.path, name: "label", available: ["a", "b", "y"]))) {
            try CSVTrainingSource(file: url, label: "label").load()
        }
        #expect { try CSVTrainingSource(file: url, label: "y").load() } throws: { "\($0)".contains("holds a single class (x)") }
        #expect(throws: DataError.tabular(.invalidNumber(path: url.path, line: 4, column: "b", value: "oops"))) {
            try CSVTrainingSource(file: url, label: "a", task: .regression, numeric: ["b"]).load()
        }
        let headerOnly = try Self.write("a,y\n", in: dir, name: "empty.csv")
        #expect(throws: DataError.self) { try CSVTrainingSource(file: headerOnly, label: "y").load() }
        let constant = try Self.write("a,y\n1,5\n2,5\n3,5\n", in: dir, name: "constant.csv")
        #expect { try CSVTrainingSource(file: constant, label: "y", task: .regression).load() } throws: { "\($0)".contains("single value") }
        #expect { try CSVTrainingSource(file: url, label: "y", task: .forecasting).load() } throws: { "\($0)".contains("not forecasting") }
    }

    @Test(.enabled(if: WineCSV.installed, "scikit-learn is not installed"))
    func theTabularJobTrainsOnTheWineCSV() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try WineCSV.write(in: dir)
        var options = TabularTrainingOptions(csv: CSVTrainingSource(file: csv, label: "cultivar"), output: dir.appendingPathComponent("w.safetensors"))
        options.epochs = 40
        options.hiddenSizes = [16]
        var lines: [String] = []
        let result = try TabularTrainingJob(options: options) { lines.append($0) }.run()
        #expect(result.leakage.isClean)
        #expect(result.splitSizes.train + result.splitSizes.validation + result.splitSizes.test == 178)
        // Three well separated cultivars: a small MLP on standardised features gets nearly all right.
        #expect((result.testMetrics["accuracy"] ?? 0) > 0.85, "\(result.testMetrics)")
        #expect(lines.contains { $0.contains("wine (classification;") })
        let meta = try SafeTensors.load(from: result.weights).metadata
        #expect(meta["dataset"] == "wine" && meta["label"] == "cultivar" && meta["task"] == "classification")
        #expect(meta["class_names"] == #"["class_0","class_1","class_2"]"#)
        #expect(FileManager.default.fileExists(atPath: result.preprocessing.path))
    }
}

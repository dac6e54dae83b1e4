import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseJobs
@testable import SynapseModels

/// The built `synapse` tool's `predict`, `summary` and `export` commands on a small saved image
/// classifier (no dataset needed): outputs, final JSON lines, exit codes and refusals.
@Suite("CLI: synapse predict, summary, export")
struct PredictSummaryExportCLITests {
    static var tool: URL { Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("synapse") }
    static var available: Bool { FileManager.default.isExecutableFile(atPath: tool.path) }

    /// Runs the tool; returns its exit status and standard output plus error.
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = tool
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// A directory holding a small fashion-mnist MLP saved with `synapse train`'s metadata.
    static func savedModel() throws -> (dir: URL, weights: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var architecture = ImageClassifierArchitecture(kind: .mlp, inputShape: [1, 28, 28], classes: 10)
        architecture.hiddenSizes = [8]
        let model = try architecture.make(generator: RandomGenerator(seed: 1))
        let weights = dir.appendingPathComponent("w.safetensors")
        try model.save(to: weights, metadata: architecture.metadata.merging(["dataset": "fashion-mnist"]) { a, _ in a })
        return (dir, weights)
    }

    @Test(.enabled(if: available, "needs the built synapse tool"))
    func predictWritesCSVAndRefusesBrokenImages() throws {
        let (dir, weights) = try Self.savedModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("x.jsonl")
        try ([String](repeating: "[" + [String](repeating: "128", count: 784).joined(separator: ",") + "]", count: 3).joined(separator: "\n"))
            .write(to: input, atomically: true, encoding: .utf8)
        let (status, stdout) = try Self.run(["predict", "--weights", weights.path, "--input", input.path])
        #expect(status == 0, "\(stdout)")
        let lines = stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(FashionMNIST.classNames.contains(object["class"] as? String ?? ""))

        let output = dir.appendingPathComponent("p.csv")
        let (written, message) = try Self.run(["predict", "--weights", weights.path, "--input", input.path, "--format", "csv", "--output", output.path])
        #expect(written == 0, "\(message)")
        let final = try #require(try JSONSerialization.jsonObject(with: Data((message.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        #expect(final["predictions"] as? Int == 3)
        let csv = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 4 && csv[0].hasPrefix("index,class,p_T-shirt/top,p_Trouser"))
        let (again, refusal) = try Self.run(["predict", "--weights", weights.path, "--input", input.path, "--output", output.path])
        #expect(again != 0 && refusal.contains("--overwrite"), "\(refusal)")

        let png = dir.appendingPathComponent("a.png")
        try Data([0x89, 0x50]).write(to: png)
        let (refused, why) = try Self.run(["predict", "--weights", weights.path, "--input", png.path])
        #expect(refused != 0 && why.contains("not a PNG or JPEG file"), "\(why)")
    }

    @Test(.enabled(if: available, "needs the built synapse tool"))
    func summaryTableAndJSON() throws {
        let (status, table) = try Self.run(["summary", "--model", "mlp"])
        #expect(status == 0 && table.contains("Total params: 535,818") && table.contains("layers.4 (Linear)"), "\(table)")
        let (dir, weights) = try Self.savedModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (jsonStatus, json) = try Self.run(["summary", "--weights", weights.path, "--json"])
        #expect(jsonStatus == 0, "\(json)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["total_parameters"] as? Int == 784 * 8 + 8 + 8 * 10 + 10)
        let (bad, message) = try Self.run(["summary"])
        #expect(bad != 0 && message.contains("--model"), "\(message)")
    }

    @Test(.enabled(if: available, "needs the built synapse tool"))
    func exportSafetensorsAndONNX() throws {
        let (dir, weights) = try Self.savedModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("export.safetensors")
        let (status, message) = try Self.run(["export", "--weights", weights.path, "--format", "safetensors", "--output", output.path,
                                              "--dtype", "bfloat16"])
        #expect(status == 0, "\(message)")
        #expect(try SafeTensors.load(from: output).entries["layers.0.weight"]?.dtype == .bf16)
        let (again, refusal) = try Self.run(["export", "--weights", weights.path, "--format", "safetensors", "--output", output.path])
        #expect(again != 0 && refusal.contains("--overwrite"), "\(refusal)")
        let (replaced, _) = try Self.run(["export", "--weights", weights.path, "--format", "safetensors", "--output", output.path, "--overwrite"])
        #expect(replaced == 0)
        #expect(try SafeTensors.load(from: output).entries["layers.0.weight"]?.dtype == .f32)
        let onnxFile = dir.appendingPathComponent("m.onnx")
        let (onnx, why) = try Self.run(["export", "--weights", weights.path, "--format", "onnx", "--output", onnxFile.path])
        #expect(onnx == 0, "\(why)")
        // The graph holds the weights under their state-dict names and takes Fashion-MNIST's images.
        let inspection = try TensorFileInspection(contentsOf: onnxFile)
        #expect(inspection.format == .onnx && inspection.tensors.map(\.name).contains("layers.0.weight"))
        #expect(inspection.metadata["inputs"] == "input: float[batch, 1, 28, 28]", "\(inspection.metadata)")
    }

    /// The PyTorch-trained Fashion-MNIST CNN (fixtures made by scripts/make-onnx-fixtures.py): `evaluate`
    /// reaches PyTorch's test accuracy from both the `.onnx` graph and the `.pt` state dict, and
    /// `predict` gives PyTorch's class for every test image from both.
    @Test(.enabled(if: available, "needs the built synapse tool"))
    func evaluateAndPredictOnnxAndPyTorchFiles() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("onnx")
        let reference = try SafeTensors.load(from: fixtures.appendingPathComponent("cnn_fashion_predictions.safetensors"))
        let accuracy = Double(try reference.tensor("accuracy").scalars[0])
        let labels = try reference.intTensor("predictions").scalars
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = FashionMNIST.systemDirectory.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        for (file, extra) in [("cnn_fashion.onnx", [String]()), ("cnn_fashion.pt", ["--model", "cnn"])] {
            let weights = fixtures.appendingPathComponent(file).path
            let (status, output) = try Self.run(["evaluate", "--weights", weights, "--dataset", "fashion-mnist",
                                                 "--report", dir.appendingPathComponent("\(file).md").path] + extra)
            #expect(status == 0, "\(output)")
            let final = try #require(try JSONSerialization.jsonObject(with: Data((output.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
            #expect(abs((final["test_accuracy"] as? Double ?? 0) - accuracy) < 1e-4, "\(file): \(final)")

            let csv = dir.appendingPathComponent("\(file).csv")
            let (predicted, message) = try Self.run(["predict", "--weights", weights, "--dataset", "fashion-mnist", "--input", images.path,
                                                     "--format", "csv", "--output", csv.path] + extra)
            #expect(predicted == 0, "\(message)")
            let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").dropFirst()
            let classes = rows.map { row in FashionMNIST.classNames.firstIndex(of: String(row.split(separator: ",")[1])) ?? -1 }
            #expect(classes == labels, "\(file): predictions differ from PyTorch's")
        }
        let (refused, why) = try Self.run(["evaluate", "--weights", fixtures.appendingPathComponent("cnn_fashion.onnx").path,
                                           "--report", dir.appendingPathComponent("x.md").path])
        #expect(refused != 0 && why.contains("--dataset"), "\(why)")
    }
}

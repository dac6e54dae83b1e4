import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseONNX

extension Tag {
    /// Tests that run exported ONNX models in the ONNX checker and ONNX Runtime (python3 with onnx and
    /// onnxruntime); skipped when they are missing unless SYNAPSE_REQUIRE_ONNXRUNTIME=1.
    @Tag static var onnxRuntime: Self
}

/// Whether the ONNX Runtime tests run: python3 can import onnx, onnxruntime and numpy, or the
/// environment requires them (then a missing runtime fails the tests instead of skipping them).
enum ONNXRuntimeAvailability {
    static let required = ProcessInfo.processInfo.environment["SYNAPSE_REQUIRE_ONNXRUNTIME"] == "1"
    static let importable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy, onnx, onnxruntime"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
    static var shouldRun: Bool { importable || required }
    static let skipReason: Comment = "python3 cannot import onnx and onnxruntime (pip install onnx onnxruntime; scripts/setup.sh installs them)"
}

/// An input of a case: its export description and the values fed to both Synapse and ONNX Runtime.
enum CaseValues {
    case float(Tensor)
    case int64(IntTensor)

    var shape: [Int] {
        switch self {
        case .float(let t): t.shape
        case .int64(let t): t.shape
        }
    }
}

/// A directory of export cases for scripts/onnx-runtime-check.py: each case is an exported model, its
/// inputs and Synapse's outputs as .npy files.
final class ONNXRuntimeCases {
    let directory: URL
    private(set) var names: [String] = []

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Exports `model` with `inputs` (name, values, batch axis) and records `expected` (Synapse's
    /// outputs, in order). The exported input shapes use batch 1 wherever the batch is dynamic, so
    /// running the case with the real batch also checks the dynamic batch axis.
    func add(_ name: String, _ model: Module, inputs: [(name: String, values: CaseValues, batchAxis: Int?)],
             expected: [Tensor], compare: String = "allclose", tolerance: Double = 1e-4) throws {
        let caseDirectory = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: caseDirectory, withIntermediateDirectories: true)
        let exportInputs = inputs.map { input in
            var shape = input.values.shape
            if let axis = input.batchAxis { shape[axis] = 1 }
            let type: ONNXElementType = if case .int64 = input.values { .int64 } else { .float }
            return ONNXExportInput(name: input.name, shape: shape, elementType: type, batchAxis: input.batchAxis)
        }
        let outputNames = expected.indices.map { $0 == 0 ? "output" : "output_\($0)" }
        try ONNXExporter.export(model, inputs: exportInputs, outputNames: outputNames,
                                to: caseDirectory.appendingPathComponent("model.onnx").path)
        for input in inputs {
            let url = caseDirectory.appendingPathComponent("\(input.name).npy")
            switch input.values {
            case .float(let t): try NPYFile.write(float32: t.scalars, shape: t.shape, to: url)
            case .int64(let t): try NPYFile.write(int64: t.scalars.map { Int64($0) }, shape: t.shape, to: url)
            }
        }
        for (output, tensor) in zip(outputNames, expected) {
            try NPYFile.write(float32: tensor.scalars, shape: tensor.shape, to: caseDirectory.appendingPathComponent("expected_\(output).npy"))
        }
        let description: [String: Any] = ["inputs": inputs.map(\.name), "outputs": outputNames, "compare": compare, "tolerance": tolerance]
        try JSONSerialization.data(withJSONObject: description).write(to: caseDirectory.appendingPathComponent("case.json"))
        names.append(name)
    }

    /// Adds a single-input case: `model` applied to float `input` (batch on axis 0).
    func add(_ name: String, _ model: Module, input: Tensor, batchAxis: Int? = 0, expected: [Tensor]) throws {
        try add(name, model, inputs: [("input", .float(input), batchAxis)], expected: expected)
    }

    /// Runs the check script and expects exit 0 and a PASS line for every case.
    func runAndExpectAllPass(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (status, output) = try run()
        #expect(status == 0, "onnx-runtime-check.py exited \(status):\n\(output)", sourceLocation: sourceLocation)
        let lines = output.split(separator: "\n")
        for name in names {
            #expect(lines.contains { $0.hasPrefix("PASS \(name):") }, "case \(name) did not pass:\n\(output)", sourceLocation: sourceLocation)
        }
    }

    /// Runs scripts/onnx-runtime-check.py on the cases; returns its exit status and output.
    func run() throws -> (status: Int32, output: String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/onnx-runtime-check.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, directory.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(output)
        return (process.terminationStatus, output)
    }
}

/// Writes NumPy .npy files (format 1.0, little-endian, C order).
enum NPYFile {
    static func write(float32 values: [Float], shape: [Int], to url: URL) throws {
        var body = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        try write(descr: "<f4", shape: shape, body: body, to: url)
    }

    static func write(int64 values: [Int64], shape: [Int], to url: URL) throws {
        var body = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { body.append(contentsOf: $0) } }
        try write(descr: "<i8", shape: shape, body: body, to: url)
    }

    private static func write(descr: String, shape: [Int], body: Data, to url: URL) throws {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(\(shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(Data(header.utf8))
        data.append(body)
        try data.write(to: url)
    }
}

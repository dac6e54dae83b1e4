import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseJobs

/// `WeightsExport`: safetensors re-saved with metadata (or as a plain state dict), optionally as
/// bfloat16; ONNX from a run's metadata, refusing weights it cannot rebuild.
@Suite("WeightsExport")
struct WeightsExportTests {
    static func savedWeights(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("w.safetensors")
        let g = RandomGenerator(seed: 9)
        try SafeTensors.save(["fc.weight": Tensor.uniform([3, 4], low: -2, high: 2, generator: g), "fc.bias": Tensor(shape: [3], scalars: [1, -0.5, 3.14159])],
                             ints: ["bn.num_batches_tracked": IntTensor(shape: [], scalars: [7])],
                             metadata: ["model": "mlp", "dataset": "toy"], to: url)
        return url
    }

    @Test("float32: same tensors and metadata, plus format=pt; the preprocessing state is copied beside the export")
    func float32() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.savedWeights(in: dir)
        try Data("{}".utf8).write(to: TabularTrainingOptions.preprocessingURL(forWeights: weights))
        let output = dir.appendingPathComponent("out/exported.safetensors")
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let result = try WeightsExport(weights: weights, output: output, format: .safetensors).run()
        #expect(result.tensorCount == 3 && result.companions == [TabularTrainingOptions.preprocessingURL(forWeights: output)])
        let original = try SafeTensors.load(from: weights), exported = try SafeTensors.load(from: output)
        #expect(exported.names == original.names)
        for name in ["fc.weight", "fc.bias"] { #expect(try exported.tensor(name).scalars == original.tensor(name).scalars) }
        #expect(try exported.intTensor("bn.num_batches_tracked").scalars == [7])
        #expect(exported.metadata == ["model": "mlp", "dataset": "toy", "format": "pt", "exported_dtype": "float32"])
    }

    @Test("bfloat16 halves float tensors, rounds to nearest even; --no-metadata keeps only format=pt")
    func bfloat16() throws {
        #expect(WeightsExport.bfloat16Bits(1) == 0x3F80)
        #expect(WeightsExport.bfloat16Bits(-2) == 0xC000)
        #expect(WeightsExport.bfloat16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)   // tie, even stays
        #expect(WeightsExport.bfloat16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)   // tie, odd rounds up
        #expect(WeightsExport.bfloat16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.savedWeights(in: dir)
        let output = dir.appendingPathComponent("bf16.safetensors")
        var export = WeightsExport(weights: weights, output: output, format: .safetensors)
        export.dtype = .bfloat16
        export.keepMetadata = false
        try export.run()
        let exported = try SafeTensors.load(from: output)
        #expect(exported.entries["fc.weight"]?.dtype == .bf16 && exported.entries["bn.num_batches_tracked"]?.dtype == .i64)
        #expect(exported.metadata == ["format": "pt"])
        let original = try SafeTensors.load(from: weights).tensor("fc.weight").scalars
        for (a, b) in zip(try exported.tensor("fc.weight").scalars, original) { #expect(abs(a - b) <= abs(b) / 256) }
        #expect(try exported.tensor("fc.bias").scalars == [1, -0.5, 3.140625])
    }

    @Test("onnx: weights that do not describe a model are a typed error and nothing is written")
    func onnxRefusesWeightsWithoutAnArchitecture() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("never.onnx")
        for weights in [URL(fileURLWithPath: "/nonexistent.safetensors"), try Self.savedWeights(in: dir)] {
            #expect(throws: ExportError.self) { try WeightsExport(weights: weights, output: output, format: .onnx).run() }
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}

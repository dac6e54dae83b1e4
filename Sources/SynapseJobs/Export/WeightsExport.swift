import Foundation
import SynapseCore
import SynapseIO

/// The formats `synapse export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// safetensors, loadable by PyTorch's `safetensors.torch.load_file` (names are already PyTorch's).
    case safetensors
    /// An ONNX graph (not in this build yet: the `SynapseONNX` target will provide it).
    case onnx
}

/// Element type of the exported floating-point tensors.
public enum ExportDType: String, Sendable, CaseIterable {
    /// 32-bit floats, as Synapse trains and saves.
    case float32
    /// bfloat16 (half the size; 8 significant bits, rounded to nearest even). Integer tensors keep their type.
    case bfloat16

    /// The safetensors dtype code.
    var code: String { self == .float32 ? "F32" : "BF16" }
}

/// Why an export failed.
public enum ExportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The format is not available in this build (ONNX before `SynapseONNX` lands).
    case formatNotSupported(format: String, reason: String)
    /// The weights cannot be read.
    case unreadableWeights(path: String, reason: String)
    /// The output cannot be written.
    case writeFailed(path: String, reason: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .formatNotSupported(let format, let reason): "--format \(format): \(reason)"
        case .unreadableWeights(let path, let reason): "\(path): cannot read the weights: \(reason)"
        case .writeFailed(let path, let reason): "\(path): cannot write the export: \(reason)"
        }
    }
}

/// Re-saves weights for use outside Synapse — the job behind `synapse export`. Safetensors output
/// keeps every tensor under its (PyTorch) state-dict name, optionally converted to bfloat16, with
/// the weights' metadata (or none, a plain state dict) plus `format`/`exported_dtype` entries;
/// the file is written atomically. The preprocessing state of a tabular run is copied beside it so
/// the export predicts as the original does.
public struct WeightsExport {
    /// The weights saved by `synapse train` (or any safetensors file).
    public let weights: URL
    /// Where to write.
    public let output: URL
    /// The output format.
    public let format: ExportFormat
    /// Element type of floating-point tensors.
    public var dtype: ExportDType = .float32
    /// Whether to keep the weights' metadata (`false`: a plain state dict).
    public var keepMetadata = true
    /// The Synapse version written as the ONNX file's producer version (the CLI passes its own).
    public var producerVersion = ""

    /// An export; nothing is written until `run()`.
    public init(weights: URL, output: URL, format: ExportFormat) {
        self.weights = weights
        self.output = output
        self.format = format
    }

    /// What `run()` wrote.
    public struct Result: Sendable, Equatable {
        /// Number of tensors written.
        public let tensorCount: Int
        /// Size of the written file in bytes.
        public let bytes: Int
        /// Files written besides the export (the preprocessing state), if any.
        public let companions: [URL]
    }

    /// The companion files `run()` writes for these weights (checked by callers before writing).
    public var companionOutputs: [URL] {
        FileManager.default.fileExists(atPath: TabularTrainingOptions.preprocessingURL(forWeights: weights).path)
            ? [TabularTrainingOptions.preprocessingURL(forWeights: output)] : []
    }

    @discardableResult
    public func run() throws(ExportError) -> Result {
        switch format {
        case .onnx:
            return try exportONNX()
        case .safetensors:
            let archive: SafeTensorsArchive
            do { archive = try SafeTensors.load(from: weights) } catch {
                throw .unreadableWeights(path: weights.path, reason: "\(error)")
            }
            var metadata = keepMetadata ? archive.metadata : [:]
            metadata["format"] = "pt"   // what `safetensors.torch.save_file` writes
            if keepMetadata { metadata["exported_dtype"] = dtype.rawValue }
            let data: Data
            do { data = try Self.encode(archive, dtype: dtype, metadata: metadata) } catch {
                throw .unreadableWeights(path: weights.path, reason: "\(error)")
            }
            do { try AtomicFile.write(data, to: output) } catch { throw .writeFailed(path: output.path, reason: "\(error)") }
            var companions: [URL] = []
            let preprocessing = TabularTrainingOptions.preprocessingURL(forWeights: weights)
            if let state = FileManager.default.contents(atPath: preprocessing.path) {
                let target = TabularTrainingOptions.preprocessingURL(forWeights: output)
                do { try AtomicFile.write(state, to: target) } catch { throw .writeFailed(path: target.path, reason: "\(error)") }
                companions.append(target)
            }
            return Result(tensorCount: archive.names.count, bytes: data.count, companions: companions)
        }
    }

    /// The archive's tensors as safetensors bytes: floating-point tensors in `dtype`, integer tensors as I64.
    static func encode(_ archive: SafeTensorsArchive, dtype: ExportDType, metadata: [String: String]) throws(SafeTensorsError) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        let integerTypes: Set<SafeTensorsDType> = [.i64, .i32, .u8, .i8, .bool]
        // int8 weights (quantized models) stay I8, byte for byte, and come last so the wider
        // blocks before them stay aligned.
        let isInt8Model = archive.entries.values.contains { $0.dtype == .i8 }
        let names = archive.names.filter { archive.entries[$0]!.dtype != .i8 } + archive.names.filter { archive.entries[$0]!.dtype == .i8 }
        for name in names {
            let entry = archive.entries[name]!
            let start = body.count
            let code: String
            if entry.dtype == .i8 {
                code = "I8"
                body.append(contentsOf: try archive.int8Values(name).map { UInt8(bitPattern: $0) })
            } else if integerTypes.contains(entry.dtype) {
                code = "I64"
                for v in try archive.intTensor(name).scalars { withUnsafeBytes(of: Int64(v).littleEndian) { body.append(contentsOf: $0) } }
            } else {
                // An int8 model's scales stay f32: bf16's 8 bits of mantissa would shift every output.
                let exportDType = isInt8Model && name.hasSuffix("_scale") ? ExportDType.float32 : dtype
                code = exportDType.code
                let values = try archive.tensor(name).contiguous().scalars
                switch exportDType {
                case .float32:
                    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
                case .bfloat16:
                    for v in values { withUnsafeBytes(of: bfloat16Bits(v).littleEndian) { body.append(contentsOf: $0) } }
                }
            }
            header[name] = ["dtype": code, "shape": entry.shape, "data_offsets": [start, body.count]] as [String: Any]
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        // The data section starts 8-byte aligned, as the reference writer pads it.
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        return out
    }

    /// The bfloat16 nearest to `value` (ties to even), as PyTorch's `.to(torch.bfloat16)` rounds; NaN stays NaN.
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}

import Foundation
import SynapseCore

/// What a weights file holds, read without building a model: the tensors' names, dtypes and shapes,
/// the metadata and the element count. Backs `synapse inspect`.
public struct TensorFileInspection: Sendable {
    /// The container format.
    public enum Format: String, Sendable {
        /// A safetensors weights file.
        case safetensors
        /// A Synapse training checkpoint (a safetensors file with a verified checkpoint header).
        case checkpoint
        /// A `torch.save` file (`.pt`/`.pth`), zip or legacy.
        case pytorch
        /// An ONNX model (`.onnx`): its initializers are the tensors; the metadata names the producer,
        /// the opset, the graph's inputs and outputs and its operators.
        case onnx
    }

    /// One tensor of the file.
    public struct Entry: Sendable, Equatable {
        /// Its name; entries of nested PyTorch checkpoints join the key path with `/`.
        public let name: String
        /// The dtype as the file names it (`F32`, `I64` for safetensors; `float32`, `int64` for PyTorch).
        public let dtype: String
        /// The shape.
        public let shape: [Int]
        /// Number of elements.
        public var count: Int { shape.reduce(1, *) }
    }

    /// The container format.
    public let format: Format
    /// Every tensor, sorted by name.
    public let tensors: [Entry]
    /// String metadata (safetensors `__metadata__`; for PyTorch files, the plain top-level values
    /// such as `epoch`).
    public let metadata: [String: String]
    /// Warnings from reading (PyTorch dtype conversions that changed values).
    public let warnings: [String]

    /// Total number of elements over all tensors (for a state dict, the parameter and buffer count).
    public var elementCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Reads the file at `url`, recognising the format from its first bytes.
    /// - Throws: the reader's typed error (`SafeTensorsError`, `CheckpointError`, `PyTorchFileError`,
    ///   `ONNXError`).
    public init(contentsOf url: URL) throws {
        if url.pathExtension.lowercased() == "onnx" {
            let inspected = try Self.inspectONNX(at: url.path)
            format = .onnx
            tensors = inspected.tensors
            metadata = inspected.metadata
            warnings = []
            return
        }
        if PyTorchFile.looksLikePyTorchFile(at: url) {
            let file = try PyTorchFile(contentsOf: url)
            var entries: [Entry] = [], metadata: [String: String] = [:]
            Self.collect(file.root, prefix: "", depth: 0, into: &entries, metadata: &metadata)
            format = .pytorch
            tensors = entries.sorted { $0.name < $1.name }
            self.metadata = metadata
            warnings = file.warnings
            return
        }
        let archive = try SafeTensorsArchive(contentsOf: url)
        if CheckpointContainer.isCheckpoint(archive) {
            _ = try CheckpointContainer.open(archive, path: url.path)   // verified like a resume
            format = .checkpoint
        } else {
            format = .safetensors
        }
        tensors = archive.names.map { Entry(name: $0, dtype: archive.entries[$0]!.dtype.rawValue, shape: archive.entries[$0]!.shape) }
        metadata = archive.metadata
        warnings = []
    }

    /// Tensors anywhere under `value`, and plain values at the top level as metadata.
    private static func collect(_ value: PickleValue, prefix: String, depth: Int, into entries: inout [Entry],
                                metadata: inout [String: String]) {
        func key(_ k: PickleValue) -> String {
            switch k {
            case .string(let s): return s
            case .int(let i): return String(i)
            default: return k.kind
            }
        }
        switch value {
        case .tensor(let t):
            entries.append(Entry(name: prefix.isEmpty ? "<root>" : prefix, dtype: t.dtype.rawValue, shape: t.value.shape))
        case .dict(let items):
            for e in items {
                let name = prefix.isEmpty ? key(e.key) : prefix + "/" + key(e.key)
                if depth == 0, let plain = plainText(e.value) { metadata[name] = plain }
                collect(e.value, prefix: name, depth: depth + 1, into: &entries, metadata: &metadata)
            }
        case .list(let items), .tuple(let items):
            for (i, v) in items.enumerated() {
                collect(v, prefix: prefix.isEmpty ? String(i) : prefix + "/" + String(i), depth: depth + 1, into: &entries, metadata: &metadata)
            }
        default: break
        }
    }

    private static func plainText(_ v: PickleValue) -> String? {
        switch v {
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .string(let s): return s
        case .bool(let b): return b ? "True" : "False"
        default: return nil
        }
    }
}

import Foundation
import SynapseCore

/// A file written by `torch.save` (`.pt`, `.pth`, `.bin`), read without executing any code.
///
/// Both formats are read: the zip archive written since PyTorch 1.6 (`archive/data.pkl` plus one
/// record per storage) and the legacy stream (magic number, protocol, system info, the object pickle,
/// then the raw storages). The pickle runs on a restricted machine that accepts what
/// `torch.load(weights_only=True)` accepts and refuses every other global by name
/// (`PyTorchFileError.disallowedGlobal`). Tensors of every storage type are converted to Float32;
/// `warnings` names those that lost precision.
///
/// ```swift
/// let file = try PyTorchFile(contentsOf: URL(fileURLWithPath: "model.pt"))
/// let weights = try file.stateDict()          // finds `state_dict`/`model` in a nested checkpoint
/// let epoch = file.root["epoch"]              // other entries stay navigable
/// ```
public struct PyTorchFile: Sendable {
    /// The unpickled object (usually a dict).
    public let root: PickleValue
    /// One line per tensor whose Float32 conversion changed values (float64, large integers).
    public let warnings: [String]
    /// The path the file was read from, for messages.
    public let path: String

    /// Reads the file at `url`.
    public init(contentsOf url: URL) throws(PyTorchFileError) {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw .unreadable(path: url.path, reason: FileSystemReason.describe(error))
        }
        try self.init(bytes: bytes, path: url.path)
    }

    /// Reads a file's bytes; `path` names it in errors.
    public init(bytes: [UInt8], path: String = "<memory>") throws(PyTorchFileError) {
        self.path = path
        var reader = PyTorchFileReader(path: path)
        if ZipReader.looksLikeZip(bytes) {
            root = try reader.readZip(bytes)
        } else if bytes.starts(with: PyTorchFileReader.legacyMagic) {
            root = try reader.readLegacy(bytes)
        } else {
            throw .notAPyTorchFile(path: path)
        }
        warnings = reader.warnings
    }

    /// Whether the file at `url` starts like a PyTorch file; false when it cannot be opened (the
    /// reader that follows then reports why).
    public static func looksLikePyTorchFile(at url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return looksLikePyTorchFile([UInt8]((try? handle.read(upToCount: PyTorchFileReader.legacyMagic.count)) ?? Data()))
    }

    /// Whether `bytes` start like a PyTorch file (zip archive or legacy stream).
    public static func looksLikePyTorchFile(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(PyTorchFileReader.legacyMagic.count))
        return ZipReader.looksLikeZip(head) || head == PyTorchFileReader.legacyMagic
    }

    /// The state dict (tensor name to Float32 tensor) at `keyPath` in the file.
    ///
    /// With an empty key path the root is used when it is itself a state dict; otherwise the first of
    /// the keys `state_dict`, `model_state_dict`, `model`, `net`, `module` whose value is one. Integer
    /// tensors (`num_batches_tracked`) are included as Float32.
    /// - Throws: `PyTorchFileError.notFound` naming the keys that are there.
    public func stateDict(at keyPath: [String] = []) throws(PyTorchFileError) -> [String: Tensor] {
        var node = root
        for (i, key) in keyPath.enumerated() {
            guard let next = node[key] else {
                throw .notFound(path: path, reason: "no key '\(keyPath[...i].joined(separator: "."))'; "
                    + "keys here: \(Self.keys(node).joined(separator: ", "))")
            }
            node = next
        }
        if keyPath.isEmpty, Self.tensorDict(node) == nil {
            for key in ["state_dict", "model_state_dict", "model", "net", "module"] {
                if let inner = node[key], Self.tensorDict(inner) != nil { node = inner; break }
            }
        }
        guard let dict = Self.tensorDict(node) else {
            let where_ = keyPath.isEmpty ? "the root" : "'\(keyPath.joined(separator: "."))'"
            throw .notFound(path: path, reason: "\(where_) is a \(node.kind), not a dict of tensors; "
                + "keys: \(Self.keys(node).joined(separator: ", ")); pass the key path of the state dict")
        }
        return dict
    }

    /// The dict as name → tensor when every value is a tensor and every key a string.
    private static func tensorDict(_ v: PickleValue) -> [String: Tensor]? {
        guard case .dict(let entries) = v, !entries.isEmpty else { return nil }
        var out: [String: Tensor] = [:]
        for e in entries {
            guard case .string(let k) = e.key, case .tensor(let t) = e.value else { return nil }
            out[k] = t.value
        }
        return out
    }

    private static func keys(_ v: PickleValue) -> [String] {
        guard case .dict(let entries) = v else { return [] }
        return entries.prefix(20).map { e in
            if case .string(let s) = e.key { return "'\(s)' (\(e.value.kind))" }
            return "\(e.key.kind) key"
        }
    }
}

/// A `.pt`/`.pth` file that cannot be read safely; every case says what is wrong and where.
public enum PyTorchFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read from disk.
    case unreadable(path: String, reason: String)
    /// Neither a zip archive (`torch.save` since 1.6) nor the legacy pickle stream.
    case notAPyTorchFile(path: String)
    /// The zip container is damaged (offsets, sizes, names, CRC) or uses a feature torch never writes.
    case badArchive(path: String, reason: String)
    /// The pickle program is malformed or exceeds a limit; `offset` is the byte in the pickle.
    case badPickle(path: String, offset: Int, reason: String)
    /// The pickle names a global that a weights-only load does not allow (it could run code).
    case disallowedGlobal(path: String, module: String, name: String)
    /// A tensor record is missing or disagrees with the tensor that uses it.
    case badTensor(path: String, reason: String)
    /// A key path into a nested checkpoint does not lead to a state dict.
    case notFound(path: String, reason: String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read PyTorch file \(path): \(reason)"
        case .notAPyTorchFile(let path):
            return "\(path) is not a PyTorch file (neither a torch.save zip archive nor a legacy pickle stream)"
        case .badArchive(let path, let reason): return "PyTorch file \(path) has a damaged zip container: \(reason)"
        case .badPickle(let path, let offset, let reason): return "PyTorch file \(path): bad pickle at byte \(offset): \(reason)"
        case .disallowedGlobal(let path, let module, let name):
            return "PyTorch file \(path) refers to '\(module).\(name)', which a weights-only load does not allow "
                + "(it could run code); only tensors, storages, OrderedDict and plain values are read"
        case .badTensor(let path, let reason): return "PyTorch file \(path): \(reason)"
        case .notFound(let path, let reason): return "PyTorch file \(path): \(reason)"
        }
    }
}

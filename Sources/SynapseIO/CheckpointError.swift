import SynapseCore

/// A checkpoint that cannot be written, read or applied; every case names the file.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// No file at the path.
    case missing(path: String)
    /// The file is not a readable Synapse checkpoint (truncated, bad header, checksum mismatch, ...).
    case corrupt(path: String, reason: String)
    /// A valid checkpoint that does not fit this trainer (other model, optimizer or callbacks).
    case mismatch(path: String, reason: String)
    /// Writing the checkpoint failed.
    case writeFailed(path: String, reason: String)

    /// The explanation without the path (callbacks, which do not know the file, leave the path empty).
    public var reason: String {
        switch self {
        case .missing: return "file does not exist"
        case .corrupt(_, let r), .mismatch(_, let r), .writeFailed(_, let r): return r
        }
    }

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .missing(let path): return "checkpoint \(path) does not exist"
        case .corrupt(let path, let reason): return "checkpoint \(path) is corrupt: \(reason)"
        case .mismatch(let path, let reason): return "checkpoint \(path) does not match this training set-up: \(reason)"
        case .writeFailed(let path, let reason): return "cannot write checkpoint \(path): \(reason)"
        }
    }
}

import SynapseCore

/// Why an atomic write (or the check before one) failed; every case names the path.
public enum AtomicFileError: Error, CustomStringConvertible, Equatable {
    /// The target exists and is not something a write may replace (a directory, a device, a FIFO,
    /// a socket, or a symbolic link when links are not followed).
    case refused(path: String, reason: String)
    /// A file-system operation failed; `reason` is plain language ("permission denied", "no space left on the device").
    case failed(path: String, reason: String)

    /// The path concerned.
    public var path: String {
        switch self { case .refused(let p, _), .failed(let p, _): return p }
    }

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .refused(let path, let reason): return "refusing to write \(path): \(reason)"
        case .failed(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}

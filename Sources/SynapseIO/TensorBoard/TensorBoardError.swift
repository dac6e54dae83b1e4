import SynapseCore

/// A problem writing a TensorBoard event file, naming the path involved.
public enum TensorBoardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The log directory does not exist and could not be created (or a file is in its place).
    case cannotCreateDirectory(path: String, reason: String)
    /// The event file could not be created.
    case cannotOpen(path: String, reason: String)
    /// Writing or flushing the event file failed (disk full, I/O error).
    case writeFailed(path: String, reason: String)
    /// The writer was used after `close()`.
    case closed(path: String)

    /// Human-readable explanation, naming the file or directory.
    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            return "\(path): cannot create TensorBoard log directory: \(reason)"
        case .cannotOpen(let path, let reason):
            return "\(path): cannot create TensorBoard event file: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write TensorBoard event file: \(reason)"
        case .closed(let path):
            return "\(path): TensorBoard event file is already closed"
        }
    }
}

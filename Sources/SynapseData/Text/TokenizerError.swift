/// Why a tokenizer's files could not be used.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A file the tokenizer needs is missing or unreadable.
    case unreadable(path: String, reason: String)
    /// A vocabulary or configuration file is not what the tokenizer understands.
    case invalid(path: String, reason: String)

    /// Human-readable explanation naming the file.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "tokenizer: cannot read \(path): \(reason)"
        case .invalid(let path, let reason): return "tokenizer: invalid \(path): \(reason)"
        }
    }
}

import SynapseCore

/// A report could not be written: an unknown format, or a failed write. Messages name the file.
public enum ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path's extension names no format this writer knows.
    case unsupportedFormat(path: String, extension: String)
    /// Writing the file failed.
    case writeFailed(path: String, reason: String)

    /// Human-readable explanation naming the file.
    public var description: String {
        switch self {
        case .unsupportedFormat(let path, let ext):
            let shown = ext.isEmpty ? "no extension" : "extension '.\(ext)'"
            return "\(path): cannot choose a report format from \(shown); use .md (Markdown) or .html (HTML with plots)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write the report: \(reason)"
        }
    }
}

/// Why a training-data profile could not be built, read or written. Every file case names the
/// file; every content case names the field at fault and what is wrong with it.
public enum DriftProfileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The data given to `TrainingDataProfile.init` cannot be profiled (ragged rows, no finite
    /// values in a feature, predictions that do not match the rows).
    case invalidInput(reason: String)
    /// The file could not be read (missing, unreadable, larger than the size limit).
    case unreadable(path: String, reason: String)
    /// The file is not a profile: invalid or truncated JSON, or a missing or mistyped field.
    case malformed(path: String, reason: String)
    /// The file's `format_version` is not one this build reads.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// A field has a value that breaks the profile's invariants (unsorted edges, NaN, fractions
    /// that do not sum to 1, counts beyond the limits).
    case invalidField(path: String, field: String, reason: String)
    /// The file could not be written.
    case writeFailed(path: String, reason: String)

    /// Human-readable explanation naming the file and the field.
    public var description: String {
        switch self {
        case .invalidInput(let reason):
            return "cannot profile the training data: \(reason)"
        case .unreadable(let path, let reason):
            return "cannot read the training-data profile \(path): \(reason)"
        case .malformed(let path, let reason):
            return "\(path) is not a valid training-data profile: \(reason)"
        case .unsupportedVersion(let path, let found, let supported):
            return "\(path): training-data profile format_version \(found) is not supported (this build reads version \(supported))"
        case .invalidField(let path, let field, let reason):
            return "\(path): invalid training-data profile field '\(field)': \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write the training-data profile \(path): \(reason)"
        }
    }
}

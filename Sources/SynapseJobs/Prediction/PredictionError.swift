import SynapseCore

/// Why `PredictionJob` could not predict: input it cannot read or that does not fit the model,
/// or weights it cannot rebuild a model from. Every message names the file (and line or example).
public enum PredictionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input file cannot be read or parsed (missing, not UTF-8, invalid JSON, ...).
    case unreadableInput(path: String, reason: String)
    /// The input is of a kind prediction does not (yet) take, e.g. image files.
    case unsupportedInput(path: String, reason: String)
    /// The input lacks feature columns the model was trained on.
    case missingColumns(path: String, missing: [String], available: [String])
    /// One value cannot be used: not a number in a numeric column, out of range, the wrong type.
    case invalidValue(path: String, location: String, reason: String)
    /// An example has the wrong number of values (pixels of an image, values of a window).
    case wrongSize(path: String, location: String, expected: Int, actual: Int, what: String)
    /// The input holds no examples.
    case empty(path: String)
    /// The weights (and the files beside them) do not describe a model prediction can rebuild.
    case unsupportedModel(path: String, reason: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .unreadableInput(let path, let reason): "\(path): cannot read the input: \(reason)"
        case .unsupportedInput(let path, let reason): "\(path): \(reason)"
        case .missingColumns(let path, let missing, let available):
            "\(path): missing the column\(missing.count == 1 ? "" : "s") \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) "
                + "the model was trained on (found: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case .invalidValue(let path, let location, let reason): "\(path): \(location): \(reason)"
        case .wrongSize(let path, let location, let expected, let actual, let what):
            "\(path): \(location): expected \(expected) \(what), found \(actual)"
        case .empty(let path): "\(path): the input holds no examples"
        case .unsupportedModel(let path, let reason): "\(path): \(reason)"
        }
    }
}

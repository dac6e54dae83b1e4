/// Why an out-of-distribution score, detector or evaluation could not be computed.
public enum OODError: Error, CustomStringConvertible, Equatable {
    /// Inputs that do not make a detector or an evaluation (empty, mismatched or non-finite).
    case invalidData(String)
    /// Options out of range.
    case invalidParameters(String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidData(let reason): "out-of-distribution detection: \(reason)"
        case .invalidParameters(let reason): "out-of-distribution detection: \(reason)"
        }
    }
}

/// Why an attack or a robustness evaluation could not run.
public enum RobustnessError: Error, CustomStringConvertible, Equatable {
    /// Attack settings out of range.
    case invalidAttack(String)
    /// Data that cannot be evaluated (empty, mismatched).
    case invalidData(String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidAttack(let reason): "adversarial attack: \(reason)"
        case .invalidData(let reason): "robustness evaluation: \(reason)"
        }
    }
}

import SynapseCore

/// Bad input to a metric: mismatched lengths, empty input, values outside their domain, or a
/// metric that is undefined for the data (ROC-AUC with a single class present).
///
/// Every message names the metric and the argument at fault, so a failing evaluation script says
/// what to fix instead of producing a silent NaN.
public enum MetricError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Two arguments that must describe the same examples have different lengths.
    case lengthMismatch(metric: String, first: String, firstCount: Int, second: String, secondCount: Int)
    /// The metric needs at least one example.
    case empty(metric: String)
    /// An argument has the wrong rank or row width.
    case badShape(metric: String, argument: String, shape: [Int], expected: String)
    /// A value is outside its domain (a negative label, a probability above 1, NaN).
    case invalidValue(metric: String, argument: String, reason: String)
    /// A parameter of the metric itself is invalid (k < 1, zero bins).
    case invalidParameter(metric: String, parameter: String, reason: String)
    /// The metric has no value on this data (ROC-AUC when only one class is present).
    case undefined(metric: String, reason: String)

    /// Human-readable explanation naming the metric and the argument.
    public var description: String {
        switch self {
        case .lengthMismatch(let metric, let first, let firstCount, let second, let secondCount):
            return "\(metric): \(first) has \(firstCount) elements but \(second) has \(secondCount)"
        case .empty(let metric):
            return "\(metric): no examples (the inputs are empty)"
        case .badShape(let metric, let argument, let shape, let expected):
            return "\(metric): \(argument) has shape \(shape), expected \(expected)"
        case .invalidValue(let metric, let argument, let reason):
            return "\(metric): invalid \(argument): \(reason)"
        case .invalidParameter(let metric, let parameter, let reason):
            return "\(metric): invalid parameter \(parameter): \(reason)"
        case .undefined(let metric, let reason):
            return "\(metric) is undefined: \(reason)"
        }
    }
}

import SynapseCore

/// Why a training or evaluation job could not run: bad options, a leaky split, or saved files
/// that do not belong together. Messages name the option or file.
public enum PipelineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An option is out of range or does not apply (the option's flag name and why).
    case invalidOption(name: String, reason: String)
    /// The split leaks between its parts; training on it would overstate test metrics.
    case leakySplit(report: String)
    /// A saved file (weights, preprocessing) is missing or does not fit the run.
    case invalidRun(path: String, reason: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .invalidOption(let name, let reason): "--\(name): \(reason)"
        case .leakySplit(let report): "refusing to train on a leaky split:\n\(report)"
        case .invalidRun(let path, let reason): "\(path): \(reason)"
        }
    }
}

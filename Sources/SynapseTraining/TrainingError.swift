import Foundation
import SynapseCore

/// Why a training loop stopped with an error rather than finishing its epochs or steps.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss, a gradient or a weight became NaN or ±infinity: training diverged. The optimizer
    /// step of that batch was not applied and nothing (checkpoint, weights) was written after it.
    case nonFinite(NonFiniteValue)
    /// Anomaly mode (`AnomalyDetection`) found the op that first produced a non-finite value.
    case anomaly(AnomalyReport, epoch: Int?, step: Int)
    /// An epoch would take no optimizer step: the training set is empty, or smaller than one batch
    /// while the last partial batch is dropped.
    case noOptimizerSteps(examples: Int, batchSize: Int, dropLast: Bool)
    /// An evaluation set (validation or test) has no examples, so its loss or accuracy is undefined.
    case emptyEvaluationSet(name: String)
    /// The objective's own evaluation pass (`TrainingObjective.evaluationForward`, e.g. a pipeline
    /// whose stages run in other processes) failed; `reason` is its error.
    case evaluationFailed(reason: String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .nonFinite(let v):
            return "training diverged: \(v); the optimizer step was not applied and no checkpoint or weights were "
                + "written after it (lower the learning rate, clip gradients, or rerun with --detect-anomaly or SYNAPSE_DETECT_ANOMALY=1 to name the op)"
        case .anomaly(let report, let epoch, let step):
            return "training stopped at \(NonFiniteValue.position(epoch: epoch, step: step)) by \(report)"
        case .noOptimizerSteps(let examples, let batchSize, let dropLast):
            if examples == 0 { return "no optimizer steps: the training set is empty" }
            return "no optimizer steps: the training set has \(examples) example\(examples == 1 ? "" : "s") but the batch size is "
                + "\(batchSize)\(dropLast ? " and the last partial batch is dropped" : ""), so an epoch would take no step "
                + "(use a batch size of at most \(examples))"
        case .emptyEvaluationSet(let name):
            return "the \(name) set is empty: its loss and metrics are undefined (give it at least one example)"
        case .evaluationFailed(let reason):
            return "evaluation failed: \(reason)"
        }
    }
}

/// Where a non-finite value appeared: what it was, and when.
public struct NonFiniteValue: Equatable, Sendable, CustomStringConvertible {
    /// What was non-finite.
    public enum Quantity: Equatable, Sendable {
        /// The batch loss.
        case loss
        /// The gradient of the named parameter.
        case gradient(parameter: String)
        /// The value of the named parameter (checked at the end of each epoch).
        case weight(parameter: String)
    }

    /// What was non-finite.
    public let quantity: Quantity
    /// The 1-based epoch, nil for loops without epochs (language-model training).
    public let epoch: Int?
    /// The 1-based step within the epoch (the global step without epochs).
    public let step: Int
    /// The first non-finite value (NaN, inf or -inf).
    public let value: Float

    /// Creates a description of a non-finite value.
    public init(quantity: Quantity, epoch: Int?, step: Int, value: Float) {
        self.quantity = quantity
        self.epoch = epoch
        self.step = step
        self.value = value
    }

    /// E.g. "non-finite gradient of parameter 'layers.0.weight' (nan) at epoch 2, step 17".
    public var description: String {
        let what: String
        switch quantity {
        case .loss: what = "non-finite loss"
        case .gradient(let name): what = "non-finite gradient of parameter '\(name)'"
        case .weight(let name): what = "non-finite weight in parameter '\(name)'"
        }
        return "\(what) (\(value)) at \(Self.position(epoch: epoch, step: step))"
    }

    /// "epoch E, step S" or "step S".
    static func position(epoch: Int?, step: Int) -> String {
        epoch.map { "epoch \($0), step \(step)" } ?? "step \(step)"
    }
}

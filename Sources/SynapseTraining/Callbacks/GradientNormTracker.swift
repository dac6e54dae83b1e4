import SynapseCore
import SynapseOptim

/// Records the joint gradient norm of every step (`grad_norm` in the batch logs) and its mean and
/// maximum over the epoch (`grad_norm_mean`, `grad_norm_max` in the epoch logs). Put it before a
/// `GradientClippingCallback` to see the norms before clipping.
public final class GradientNormTracker: TrainingCallback {
    /// The norm type (2 = Euclidean).
    public let normType: Double
    private var sum = 0.0, maximum = 0.0, count = 0

    /// Creates the tracker.
    public init(normType: Double = 2) { self.normType = normType }

    /// Resets the epoch statistics.
    public func epochBegin(_ context: TrainingContext) throws { sum = 0; maximum = 0; count = 0 }

    /// Measures the gradients of this step.
    public func afterBackward(_ context: TrainingContext) throws {
        let norm = GradientClipping.totalNorm(context.optimizer.parameters, normType: normType)
        context.batchLogs["grad_norm"] = norm
        sum += norm
        maximum = Swift.max(maximum, norm)
        count += 1
    }

    /// Adds the epoch's mean and maximum norm to the epoch logs.
    public func epochEnd(_ context: TrainingContext) throws {
        guard count > 0 else { return }
        context.epochLogs["grad_norm_mean"] = sum / Double(count)
        context.epochLogs["grad_norm_max"] = maximum
    }
}

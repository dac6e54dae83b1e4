import SynapseCore
import SynapseOptim

/// Clips gradients before every optimizer step, by their joint norm (`clip_grad_norm_`) or by
/// value (`clip_grad_value_`). Norm clipping logs the pre-clipping norm as `grad_norm`.
public final class GradientClippingCallback: TrainingCallback {
    /// How gradients are clipped.
    public enum Mode: Sendable {
        /// Rescale so the joint `normType`-norm is at most `maxNorm`.
        case norm(maxNorm: Double, normType: Double)
        /// Clamp each element into `[-maxValue, maxValue]`.
        case value(maxValue: Double)
    }

    /// The clipping applied.
    public let mode: Mode
    /// Turns this process's gradient norm into the norm of the whole model's gradients when its
    /// parameters are spread over processes (pipeline stages: `PipelineParallel.combinedGradientNorm`);
    /// nil (the default) when this process holds every parameter (alone or data-parallel).
    public var combineNorm: ((_ localNorm: Double, _ normType: Double) throws -> Double)?

    /// Clips by joint norm.
    public init(maxNorm: Double, normType: Double = 2) { mode = .norm(maxNorm: maxNorm, normType: normType) }

    /// Clips by value.
    public init(maxValue: Double) { mode = .value(maxValue: maxValue) }

    /// Clips the optimizer's parameters' gradients.
    public func afterBackward(_ context: TrainingContext) throws {
        switch mode {
        case .norm(let maxNorm, let normType):
            let parameters = context.optimizer.parameters
            var total = GradientClipping.totalNorm(parameters, normType: normType)
            if let combineNorm { total = try combineNorm(total, normType) }
            context.batchLogs["grad_norm"] = GradientClipping.clipByNorm(parameters, maxNorm: maxNorm, normType: normType, total: total)
        case .value(let maxValue):
            GradientClipping.clipByValue(context.optimizer.parameters, maxValue: maxValue)
        }
    }
}

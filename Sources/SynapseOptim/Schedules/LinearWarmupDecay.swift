import SynapseCore

/// The standard fine-tuning schedule, Hugging Face's `get_linear_schedule_with_warmup`: the
/// learning rate rises linearly from 0 to the base rate over `warmupSteps` optimizer steps, then
/// falls linearly to 0 at `totalSteps` and stays there. The factor at step s is
/// s / max(1, warmup) while s < warmup, else max(0, (total − s) / max(1, total − warmup)); as in
/// Hugging Face, step 0 has factor 0 when there is a warm-up.
public struct LinearWarmupDecay: LRSchedule {
    /// Steps of the warm-up.
    public let warmupSteps: Int
    /// The step at which the rate reaches 0.
    public let totalSteps: Int

    /// A schedule; `warmupSteps` may be 0 (pure linear decay) and must not exceed `totalSteps`.
    public init(warmupSteps: Int, totalSteps: Int) {
        require(warmupSteps >= 0 && totalSteps >= 1 && warmupSteps <= totalSteps,
                "LinearWarmupDecay: need 0 ≤ warmupSteps ≤ totalSteps and totalSteps ≥ 1, got \(warmupSteps), \(totalSteps)")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// A warm-up over `fraction` of `totalSteps` (the usual 6–10%), rounded down.
    public init(warmupFraction fraction: Double, totalSteps: Int) {
        require((0...1).contains(fraction), "LinearWarmupDecay: warm-up fraction must be in [0, 1], got \(fraction)")
        self.init(warmupSteps: Int(fraction * Double(totalSteps)), totalSteps: totalSteps)
    }

    /// `base · factor(step)`.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        if step < warmupSteps { return baseLearningRate * Double(step) / Double(max(1, warmupSteps)) }
        return baseLearningRate * max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
    }
}

import SynapseCore

/// Applies several schedules at once, multiplying their effects (PyTorch `ChainedScheduler`):
/// `base · Π (schedule_i(step) / base)`. For example `StepLR` chained with `ExponentialLR` decays
/// by both factors; chaining `LinearLR.warmUp` scales the first steps of any schedule.
public struct ChainedLR: LRSchedule {
    /// The schedules whose factors are multiplied.
    public let schedules: [any LRSchedule]

    /// Creates the chain.
    public init(_ schedules: [any LRSchedule]) {
        require(!schedules.isEmpty, "ChainedLR: needs at least one schedule")
        self.schedules = schedules
    }

    /// `base · Π (schedule_i(step) / base)` (0 when the base is 0).
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        guard baseLearningRate != 0 else { return 0 }
        return schedules.reduce(baseLearningRate) { $0 * $1.learningRate(at: step, baseLearningRate: baseLearningRate) / baseLearningRate }
    }

    /// The momentum of the last schedule that sets one.
    public func momentum(at step: Int) -> Double? {
        schedules.reversed().lazy.compactMap { $0.momentum(at: step) }.first
    }
}

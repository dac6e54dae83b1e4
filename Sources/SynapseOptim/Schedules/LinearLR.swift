import SynapseCore

/// Scales the learning rate linearly from `startFactor·base` to `endFactor·base` over `totalSteps`
/// steps, then holds it (PyTorch `LinearLR`); with `startFactor < 1` this is a linear warm-up.
public struct LinearLR: LRSchedule {
    /// Factor at step 0.
    public let startFactor: Double
    /// Factor from step `totalSteps` on.
    public let endFactor: Double
    /// Steps of the linear ramp.
    public let totalSteps: Int

    /// Creates the schedule (PyTorch defaults: 1/3 → 1 over 5 steps; PyTorch's `total_iters` is
    /// `totalSteps`, the one name for step counts).
    public init(startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalSteps: Int = 5) {
        require(startFactor > 0 && startFactor <= 1, "LinearLR: startFactor must be in (0, 1], got \(startFactor)")
        require(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], got \(endFactor)")
        require(totalSteps >= 1, "LinearLR: totalSteps must be at least 1, got \(totalSteps)")
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalSteps = totalSteps
    }

    /// A linear warm-up from `startFactor·base` to the base learning rate over `steps` steps.
    public static func warmUp(steps: Int, startFactor: Double = 0.1) -> LinearLR {
        LinearLR(startFactor: startFactor, endFactor: 1, totalSteps: steps)
    }

    /// `base · (start + (end − start)·min(step, totalSteps)/totalSteps)`.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        let t = Double(min(step, totalSteps)) / Double(totalSteps)
        return baseLearningRate * (startFactor + (endFactor - startFactor) * t)
    }
}

extension LinearLR {
    /// The spelling before step counts were called `totalSteps` everywhere.
    @available(*, deprecated, renamed: "init(startFactor:endFactor:totalSteps:)")
    public init(startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int) {
        self.init(startFactor: startFactor, endFactor: endFactor, totalSteps: totalIters)
    }

    /// The ramp length under its old name.
    @available(*, deprecated, renamed: "totalSteps")
    public var totalIters: Int { totalSteps }
}

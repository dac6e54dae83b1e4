import SynapseCore

/// Scales the learning rate linearly from `startFactor·base` to `endFactor·base` over `totalIters`
/// steps, then holds it (PyTorch `LinearLR`); with `startFactor < 1` this is a linear warm-up.
public struct LinearLR: LRSchedule {
    /// Factor at step 0.
    public let startFactor: Double
    /// Factor from step `totalIters` on.
    public let endFactor: Double
    /// Steps of the linear ramp.
    public let totalIters: Int

    /// Creates the schedule (PyTorch defaults: 1/3 → 1 over 5 steps).
    public init(startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) {
        require(startFactor > 0 && startFactor <= 1, "LinearLR: startFactor must be in (0, 1], got \(startFactor)")
        require(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], got \(endFactor)")
        require(totalIters >= 1, "LinearLR: totalIters must be at least 1, got \(totalIters)")
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
    }

    /// A linear warm-up from `startFactor·base` to the base learning rate over `steps` steps.
    public static func warmUp(steps: Int, startFactor: Double = 0.1) -> LinearLR {
        LinearLR(startFactor: startFactor, endFactor: 1, totalIters: steps)
    }

    /// `base · (start + (end − start)·min(step, totalIters)/totalIters)`.
    public func learningRate(at step: Int, baseLR: Double) -> Double {
        let t = Double(min(step, totalIters)) / Double(totalIters)
        return baseLR * (startFactor + (endFactor - startFactor) * t)
    }
}

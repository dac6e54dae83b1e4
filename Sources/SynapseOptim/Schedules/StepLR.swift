import Foundation
import SynapseCore

/// Multiplies the learning rate by `gamma` every `stepSize` steps (PyTorch `StepLR`):
/// `base · gamma^⌊step / stepSize⌋`.
public struct StepLR: LRSchedule {
    /// Steps between decays.
    public let stepSize: Int
    /// Multiplicative decay factor.
    public let gamma: Double

    /// Creates the schedule.
    public init(stepSize: Int, gamma: Double = 0.1) {
        require(stepSize >= 1, "StepLR: stepSize must be at least 1, got \(stepSize)")
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// `base · gamma^⌊step / stepSize⌋`.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        baseLearningRate * Foundation.pow(gamma, Double(step / stepSize))
    }
}

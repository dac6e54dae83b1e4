import Foundation
import SynapseCore

/// Multiplies the learning rate by `gamma` every step (PyTorch `ExponentialLR`): `base · gamma^step`.
public struct ExponentialLR: LRSchedule {
    /// Multiplicative decay factor per step.
    public let gamma: Double

    /// Creates the schedule.
    public init(gamma: Double) { self.gamma = gamma }

    /// `base · gamma^step`.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        baseLearningRate * Foundation.pow(gamma, Double(step))
    }
}

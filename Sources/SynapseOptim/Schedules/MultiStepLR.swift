import Foundation
import SynapseCore

/// Multiplies the learning rate by `gamma` at each milestone step (PyTorch `MultiStepLR`):
/// `base · gamma^(number of milestones ≤ step)`.
public struct MultiStepLR: LRSchedule {
    /// Steps at which the learning rate decays, ascending.
    public let milestones: [Int]
    /// Multiplicative decay factor.
    public let gamma: Double

    /// Creates the schedule; milestones are sorted (a repeated milestone decays twice, as PyTorch).
    public init(milestones: [Int], gamma: Double = 0.1) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    /// `base · gamma^(number of milestones ≤ step)`.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        baseLearningRate * Foundation.pow(gamma, Double(milestones.filter { $0 <= step }.count))
    }
}

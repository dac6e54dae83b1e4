import Foundation
import SynapseCore

/// Cosine annealing from the base learning rate to `etaMin` over `tMax` steps (PyTorch
/// `CosineAnnealingLR`, closed form): `etaMin + (base − etaMin)·(1 + cos(π·step/tMax))/2`. Past
/// `tMax` the cosine continues, rising again, as in PyTorch.
public struct CosineAnnealingLR: LRSchedule {
    /// Steps of one half cosine period.
    public let tMax: Int
    /// The minimum learning rate.
    public let etaMin: Double

    /// Creates the schedule.
    public init(tMax: Int, etaMin: Double = 0) {
        require(tMax >= 1, "CosineAnnealingLR: tMax must be at least 1, got \(tMax)")
        self.tMax = tMax
        self.etaMin = etaMin
    }

    /// `etaMin + (base − etaMin)·(1 + cos(π·step/tMax))/2`.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        etaMin + (baseLearningRate - etaMin) * (1 + Foundation.cos(Double.pi * Double(step) / Double(tMax))) / 2
    }
}

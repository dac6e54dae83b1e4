import Foundation
import SynapseCore

/// The one-cycle policy (Smith & Topin; PyTorch `OneCycleLR`): the learning rate rises from
/// `maxLearningRate/divFactor` to `maxLearningRate` over the first `pctStart` of `totalSteps`, then anneals to
/// `maxLearningRate/(divFactor·finalDivFactor)`; momentum moves the opposite way between `maxMomentum` and
/// `baseMomentum`. The optimizer's own learning rate is ignored, as in PyTorch.
public struct OneCycleLR: LRSchedule {
    /// How a phase interpolates between its end points.
    public enum Annealing: Sendable {
        /// Half a cosine period.
        case cosine
        /// A straight line.
        case linear
    }

    /// The peak learning rate.
    public let maxLearningRate: Double
    /// Total number of steps of the cycle.
    public let totalSteps: Int
    /// Fraction of the steps spent rising.
    public let pctStart: Double
    /// Interpolation within a phase.
    public let annealing: Annealing
    /// Whether momentum is cycled (inversely to the learning rate).
    public let cycleMomentum: Bool
    /// Momentum at the learning-rate peak.
    public let baseMomentum: Double
    /// Momentum at the start and end.
    public let maxMomentum: Double
    /// Initial learning rate is `maxLearningRate / divFactor`.
    public let divFactor: Double
    /// Final learning rate is the initial one divided by `finalDivFactor`.
    public let finalDivFactor: Double
    /// Use PyTorch's three-phase variant (rise, symmetric fall to the initial rate, then annihilation).
    public let threePhase: Bool

    /// Creates the schedule (PyTorch's defaults).
    public init(maxLearningRate: Double, totalSteps: Int, pctStart: Double = 0.3, annealing: Annealing = .cosine,
                cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95,
                divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false) {
        require(totalSteps >= 2, "OneCycleLR: totalSteps must be at least 2, got \(totalSteps)")
        require(pctStart > 0 && pctStart < 1, "OneCycleLR: pctStart must be in (0, 1), got \(pctStart)")
        self.maxLearningRate = maxLearningRate
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.annealing = annealing
        self.cycleMomentum = cycleMomentum
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.threePhase = threePhase
    }

    private struct Phase {
        let endStep: Double
        let lr: (Double, Double)
        let momentum: (Double, Double)
    }

    private var phases: [Phase] {
        let initial = maxLearningRate / divFactor, minimum = initial / finalDivFactor
        let rise = pctStart * Double(totalSteps) - 1, last = Double(totalSteps - 1)
        if threePhase {
            return [Phase(endStep: rise, lr: (initial, maxLearningRate), momentum: (maxMomentum, baseMomentum)),
                    Phase(endStep: 2 * pctStart * Double(totalSteps) - 2, lr: (maxLearningRate, initial), momentum: (baseMomentum, maxMomentum)),
                    Phase(endStep: last, lr: (initial, minimum), momentum: (maxMomentum, maxMomentum))]
        }
        return [Phase(endStep: rise, lr: (initial, maxLearningRate), momentum: (maxMomentum, baseMomentum)),
                Phase(endStep: last, lr: (maxLearningRate, minimum), momentum: (baseMomentum, maxMomentum))]
    }

    /// The phase containing `step` and the fraction of it done (PyTorch's `get_lr` walk; past the
    /// last step the final phase is extrapolated, as PyTorch does).
    private func locate(_ step: Int) -> (Phase, Double) {
        let all = phases
        var start = 0.0
        for (i, phase) in all.enumerated() {
            if Double(step) <= phase.endStep || i == all.count - 1 {
                return (phase, (Double(step) - start) / (phase.endStep - start))
            }
            start = phase.endStep
        }
        return (all[all.count - 1], 1)
    }

    private func anneal(_ ends: (Double, Double), _ pct: Double) -> Double {
        switch annealing {
        case .cosine: return ends.1 + (ends.0 - ends.1) / 2 * (Foundation.cos(Double.pi * pct) + 1)
        case .linear: return (ends.1 - ends.0) * pct + ends.0
        }
    }

    /// The cycle's learning rate at `step`; `baseLearningRate` is not used.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        let (phase, pct) = locate(step)
        return anneal(phase.lr, pct)
    }

    /// The cycled momentum at `step`, or nil when `cycleMomentum` is off.
    public func momentum(at step: Int) -> Double? {
        guard cycleMomentum else { return nil }
        let (phase, pct) = locate(step)
        return anneal(phase.momentum, pct)
    }
}

extension OneCycleLR {
    /// The spelling before learning rates were spelled out everywhere.
    @available(*, deprecated, renamed: "init(maxLearningRate:totalSteps:pctStart:annealing:cycleMomentum:baseMomentum:maxMomentum:divFactor:finalDivFactor:threePhase:)")
    public init(maxLR: Double, totalSteps: Int, pctStart: Double = 0.3, annealing: Annealing = .cosine,
                cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95,
                divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false) {
        self.init(maxLearningRate: maxLR, totalSteps: totalSteps, pctStart: pctStart, annealing: annealing,
                  cycleMomentum: cycleMomentum, baseMomentum: baseMomentum, maxMomentum: maxMomentum,
                  divFactor: divFactor, finalDivFactor: finalDivFactor, threePhase: threePhase)
    }

    /// The peak learning rate under its old name.
    @available(*, deprecated, renamed: "maxLearningRate")
    public var maxLR: Double { maxLearningRate }
}

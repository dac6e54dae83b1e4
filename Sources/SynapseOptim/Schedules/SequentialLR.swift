import SynapseCore

/// Runs schedules one after another, switching at milestone steps (PyTorch `SequentialLR`): before
/// `milestones[0]` the first schedule, then the second restarted at its own step 0, and so on.
///
/// Typical use is a warm-up followed by a decay:
/// `SequentialLR([LinearLR.warmUp(steps: 5), CosineAnnealingLR(tMax: 25)], milestones: [5])`.
public struct SequentialLR: LRSchedule {
    /// The schedules, in order.
    public let schedules: [any LRSchedule]
    /// Steps at which the next schedule takes over (one fewer than `schedules`), ascending.
    public let milestones: [Int]

    /// Creates the composition.
    public init(_ schedules: [any LRSchedule], milestones: [Int]) {
        require(!schedules.isEmpty, "SequentialLR: needs at least one schedule")
        require(milestones.count == schedules.count - 1,
                "SequentialLR: \(schedules.count) schedules need \(schedules.count - 1) milestones, got \(milestones.count)")
        require(milestones == milestones.sorted(), "SequentialLR: milestones must be ascending, got \(milestones)")
        self.schedules = schedules
        self.milestones = milestones
    }

    /// The schedule active at `step` and its local step (steps since its milestone).
    private func active(at step: Int) -> (any LRSchedule, Int) {
        let index = milestones.filter { $0 <= step }.count
        return (schedules[index], index == 0 ? step : step - milestones[index - 1])
    }

    /// The active schedule's learning rate at its local step.
    public func learningRate(at step: Int, baseLearningRate: Double) -> Double {
        let (s, local) = active(at: step)
        return s.learningRate(at: local, baseLearningRate: baseLearningRate)
    }

    /// The active schedule's momentum at its local step.
    public func momentum(at step: Int) -> Double? {
        let (s, local) = active(at: step)
        return s.momentum(at: local)
    }
}

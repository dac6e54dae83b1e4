import SynapseCore

/// Binds an `LRSchedule` to an optimizer: sets the optimizer's learning rate (and momentum, for
/// schedules that cycle it) for step 0 on creation and for the next step on every `step()`.
/// This is what a PyTorch `StepLR(optimizer, ...)` object is; here the formula (`StepLR`) and the
/// stepping (`ScheduledLR`) are separate, so schedules compose (`SequentialLR`, `ChainedLR`).
///
/// ```swift
/// let scheduler = ScheduledLR(optimizer, schedule: CosineAnnealingLR(tMax: 30, etaMin: 1e-4))
/// for epoch in 0..<30 { train(); scheduler.step() }
/// ```
public final class ScheduledLR: LRScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// The schedule followed.
    public let schedule: any LRSchedule
    /// The initial learning rate the schedule scales (PyTorch's `initial_lr`).
    public let baseLearningRate: Double
    /// Number of `step()` calls so far (PyTorch's `last_epoch`).
    public private(set) var stepCount = 0
    /// The learning rate of the optimizer's next step.
    public private(set) var learningRate: Double

    /// Schedules `optimizer`. `baseLearningRate` defaults to the optimizer's current learning rate.
    public init(_ optimizer: any Optimizer, schedule: any LRSchedule, baseLearningRate: Double? = nil) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.baseLearningRate = baseLearningRate ?? optimizer.learningRate
        learningRate = self.baseLearningRate
        apply()
    }

    /// Step-count schedules need no metric.
    public var needsMetric: Bool { false }

    /// Advances one step and updates the optimizer.
    public func step() {
        stepCount += 1
        apply()
    }

    /// Advances one step; the metric is ignored.
    public func step(metric: Double?) { step() }

    private func apply() {
        learningRate = schedule.learningRate(at: stepCount, baseLearningRate: baseLearningRate)
        optimizer.learningRate = learningRate
        if let m = schedule.momentum(at: stepCount), let o = optimizer as? any MomentumScheduling {
            o.scheduledMomentum = m
        }
    }

    /// `step` (the step count) and `base_lr`.
    public func stateDict() -> [String: Double] { ["step": Double(stepCount), "base_lr": baseLearningRate] }

    /// Restores the step count and re-applies the learning rate; the base learning rate must agree.
    public func loadStateDict(_ state: [String: Double]) throws(SchedulerError) {
        let step = try state.schedulerValue("step")
        guard let count = step.exactCount else { throw .invalidState("'step' must be an integer in 0...2^40, got \(step)") }
        let base = try state.schedulerValue("base_lr")
        // Checkpoints written while optimizers held a Float learning rate saved the base widened from
        // Float (0.1 became 0.10000000149…); they agree at Float precision and still resume.
        guard base == baseLearningRate || Float(base) == Float(baseLearningRate) else {
            throw .invalidState("saved base learning rate \(base) differs from this scheduler's \(baseLearningRate)")
        }
        stepCount = count
        apply()
    }
}

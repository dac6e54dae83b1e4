import SynapseCore

/// Reduces the learning rate when a monitored metric stops improving (PyTorch `ReduceLROnPlateau`).
///
/// Call `step(metric:)` once per evaluation. After more than `patience` consecutive steps without
/// improvement the learning rate becomes `max(lr·factor, minLearningRate)` (unless that changes it by at
/// most `eps`), then `cooldown` steps pass during which bad steps are not counted.
public final class ReduceLROnPlateau: LRScheduler {
    /// How an improvement is measured against the best value.
    public enum ThresholdMode: String, Sendable {
        /// Relative: beat `best·(1 ∓ threshold)`.
        case relative
        /// Absolute: beat `best ∓ threshold`.
        case absolute
    }

    /// The optimizer whose learning rate is reduced.
    public let optimizer: any Optimizer
    /// Whether the metric should go down or up.
    public let mode: MetricMode
    /// Factor applied on a plateau.
    public let factor: Double
    /// Non-improving steps tolerated before reducing.
    public let patience: Int
    /// Size of a significant improvement.
    public let threshold: Double
    /// How `threshold` is applied.
    public let thresholdMode: ThresholdMode
    /// Steps after a reduction during which bad steps are ignored.
    public let cooldown: Int
    /// Lower bound of the learning rate.
    public let minLearningRate: Double
    /// Reductions smaller than this are skipped.
    public let eps: Double

    /// The learning rate of the optimizer's next step, in full precision.
    public private(set) var learningRate: Double
    /// Best metric value seen.
    public private(set) var best: Double
    /// Consecutive steps without improvement.
    public private(set) var badSteps = 0
    /// Remaining cooldown steps.
    public private(set) var cooldownCounter = 0
    /// Number of `step(metric:)` calls so far.
    public private(set) var stepCount = 0

    /// Creates the scheduler (PyTorch's defaults); `baseLearningRate` (the starting learning rate)
    /// defaults to the optimizer's learning rate.
    public init(_ optimizer: any Optimizer, mode: MetricMode = .min, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
                minLearningRate: Double = 0, eps: Double = 1e-8, baseLearningRate: Double? = nil) {
        require(factor < 1, "ReduceLROnPlateau: factor must be below 1, got \(factor)")
        require(patience >= 0 && cooldown >= 0, "ReduceLROnPlateau: patience and cooldown must be non-negative")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
        self.eps = eps
        self.best = mode.worst
        learningRate = baseLearningRate ?? optimizer.learningRate
        optimizer.learningRate = learningRate
    }

    /// Plateau detection needs the monitored value.
    public var needsMetric: Bool { true }

    private func isImprovement(_ value: Double) -> Bool {
        switch thresholdMode {
        case .relative: return mode.improves(value, on: best, relativeThreshold: threshold)
        case .absolute: return mode.improves(value, on: best, minDelta: threshold)
        }
    }

    /// Records one value of the monitored metric, reducing the learning rate on a plateau. A nil
    /// or NaN metric counts as no improvement.
    public func step(metric: Double?) {
        stepCount += 1
        if let value = metric, !value.isNaN, isImprovement(value) {
            best = value
            badSteps = 0
        } else {
            badSteps += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            badSteps = 0
        }
        if badSteps > patience {
            let reduced = Swift.max(learningRate * factor, minLearningRate)
            if learningRate - reduced > eps {
                learningRate = reduced
                optimizer.learningRate = reduced
            }
            cooldownCounter = cooldown
            badSteps = 0
        }
    }

    /// Best value, counters and the current learning rate.
    public func stateDict() -> [String: Double] {
        ["lr": learningRate, "best": best, "bad_steps": Double(badSteps), "cooldown_counter": Double(cooldownCounter),
         "step": Double(stepCount)]
    }

    /// Restores the state and the optimizer's learning rate.
    public func loadStateDict(_ state: [String: Double]) throws(SchedulerError) {
        let lr = try state.schedulerValue("lr")
        let best = try state.schedulerValue("best")
        let bad = try state.schedulerValue("bad_steps"), cool = try state.schedulerValue("cooldown_counter")
        let step = try state.schedulerValue("step")
        guard lr.isFinite, lr >= 0 else { throw .invalidState("learning rate \(lr) is not a non-negative finite number") }
        // Counters come from a file: convert without trapping.
        guard let badCount = bad.exactCount, let coolCount = cool.exactCount, let stepCount = step.exactCount else {
            throw .invalidState("bad_steps, cooldown_counter and step must be integers in 0...2^40 (got \(bad), \(cool), \(step))")
        }
        learningRate = lr
        self.best = best
        badSteps = badCount
        cooldownCounter = coolCount
        self.stepCount = stepCount
        optimizer.learningRate = lr
    }
}

// The spellings before learning rates were spelled out everywhere. Each takes its old label without
// a default, so a call that uses neither old label resolves to the current initialiser alone.
extension ReduceLROnPlateau {
    /// `minLR:` (and optionally `initialLR:`) as before.
    @available(*, deprecated, renamed: "init(_:mode:factor:patience:threshold:thresholdMode:cooldown:minLearningRate:eps:baseLearningRate:)")
    public convenience init(_ optimizer: any Optimizer, mode: MetricMode = .min, factor: Double = 0.1, patience: Int = 10,
                            threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
                            minLR: Double, eps: Double = 1e-8, initialLR: Double? = nil) {
        self.init(optimizer, mode: mode, factor: factor, patience: patience, threshold: threshold,
                  thresholdMode: thresholdMode, cooldown: cooldown, minLearningRate: minLR, eps: eps,
                  baseLearningRate: initialLR)
    }

    /// `initialLR:` as before.
    @available(*, deprecated, renamed: "init(_:mode:factor:patience:threshold:thresholdMode:cooldown:minLearningRate:eps:baseLearningRate:)")
    public convenience init(_ optimizer: any Optimizer, mode: MetricMode = .min, factor: Double = 0.1, patience: Int = 10,
                            threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
                            eps: Double = 1e-8, initialLR: Double?) {
        self.init(optimizer, mode: mode, factor: factor, patience: patience, threshold: threshold,
                  thresholdMode: thresholdMode, cooldown: cooldown, minLearningRate: 0, eps: eps,
                  baseLearningRate: initialLR)
    }

    /// The lower bound under its old name.
    @available(*, deprecated, renamed: "minLearningRate")
    public var minLR: Double { minLearningRate }
}

import SynapseCore

/// Anything that sets an optimizer's learning rate over training (PyTorch's base class
/// `torch.optim.lr_scheduler.LRScheduler`): `ScheduledLR`, which follows an `LRSchedule` of the
/// step count, and `ReduceLROnPlateau`, which follows a monitored metric. `LRSchedulerCallback`
/// steps any of them from a `Trainer`.
public protocol LRScheduler: AnyObject {
    /// The optimizer whose learning rate is set.
    var optimizer: any Optimizer { get }
    /// The learning rate the optimizer uses for its next step.
    var learningRate: Double { get }
    /// True when `step(metric:)` needs a metric value (plateau schedulers).
    var needsMetric: Bool { get }
    /// Advances one step; `metric` is the monitored value (ignored by step-count schedulers).
    func step(metric: Double?)
    /// Scheduler state (step counts, best values) for checkpoints; JSON-friendly numbers.
    func stateDict() -> [String: Double]
    /// Restores state saved by `stateDict()`.
    func loadStateDict(_ state: [String: Double]) throws(SchedulerError)
}

/// The protocol's name before it took PyTorch's `LRScheduler`.
@available(*, deprecated, renamed: "LRScheduler")
public typealias LearningRateScheduler = LRScheduler

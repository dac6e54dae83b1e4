// Spellings kept for one release that cannot live next to their replacements in their own layer.

/// The step-count scheduler class before it was renamed `ScheduledLR` (its old name now belongs to
/// the protocol every scheduler conforms to, PyTorch's `LRScheduler`). A function here, in the
/// umbrella, because SynapseOptim cannot declare a function with the protocol's name beside it.
@available(*, deprecated, renamed: "ScheduledLR")
public func LRScheduler(_ optimizer: any Optimizer, schedule: any LRSchedule, baseLearningRate: Double? = nil) -> ScheduledLR {
    ScheduledLR(optimizer, schedule: schedule, baseLearningRate: baseLearningRate)
}

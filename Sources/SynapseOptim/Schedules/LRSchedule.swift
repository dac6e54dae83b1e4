import Foundation
import SynapseCore

/// A learning-rate schedule as a pure function of the step count (PyTorch's closed-form
/// `lr_scheduler` classes). `LRScheduler` binds one to an optimizer and counts the steps.
///
/// Step `0` is the learning rate of the first optimizer step; a scheduler stepped once per epoch
/// reads `step` as the epoch index, one stepped per batch as the batch index. Values are computed in
/// `Double` so schedules match PyTorch's float64 arithmetic.
public protocol LRSchedule: Sendable {
    /// The learning rate at `step` (0-based) for an optimizer whose initial learning rate is `baseLR`.
    func learningRate(at step: Int, baseLR: Double) -> Double
    /// The momentum at `step`, for schedules that cycle momentum (`OneCycleLR`); nil otherwise.
    func momentum(at step: Int) -> Double?
}

extension LRSchedule {
    /// Schedules do not change momentum unless they say so.
    public func momentum(at step: Int) -> Double? { nil }
}

/// Anything that sets an optimizer's learning rate over training: `LRScheduler` (a schedule of the
/// step count) or `ReduceLROnPlateau` (driven by a monitored metric).
public protocol LearningRateScheduler: AnyObject {
    /// The optimizer whose learning rate is set.
    var optimizer: any Optimizer { get }
    /// The learning rate the optimizer uses for its next step, in full precision.
    var learningRate: Double { get }
    /// True when `step(metric:)` needs a metric value (plateau schedules).
    var needsMetric: Bool { get }
    /// Advances one step; `metric` is the monitored value (ignored by step-count schedules).
    func step(metric: Double?)
    /// Scheduler state (step counts, best values) for checkpoints; JSON-friendly numbers.
    func stateDict() -> [String: Double]
    /// Restores state saved by `stateDict()`.
    func loadStateDict(_ state: [String: Double]) throws(SchedulerError)
}

/// Errors from restoring scheduler state.
public enum SchedulerError: Error, CustomStringConvertible, Equatable {
    /// A state entry is missing or invalid.
    case invalidState(String)

    /// Human-readable explanation.
    public var description: String {
        switch self { case .invalidState(let m): return "invalid learning-rate scheduler state: \(m)" }
    }
}

extension Dictionary where Key == String, Value == Double {
    /// The entry `key`, or a `SchedulerError` naming it.
    func schedulerValue(_ key: String) throws(SchedulerError) -> Double {
        guard let v = self[key], !v.isNaN else { throw .invalidState("missing or NaN entry '\(key)'") }
        return v
    }
}

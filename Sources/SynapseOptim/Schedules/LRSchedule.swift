import Foundation
import SynapseCore

/// A learning-rate schedule: a pure function of the step count (PyTorch's closed-form
/// `lr_scheduler` formulas, Keras's `LearningRateSchedule`). A schedule holds no optimizer and no
/// state; `ScheduledLR` binds one to an optimizer and counts the steps.
///
/// Step `0` is the learning rate of the first optimizer step; a scheduler stepped once per epoch
/// reads `step` as the epoch index, one stepped per batch as the batch index. Values are computed in
/// `Double` so schedules match PyTorch's float64 arithmetic.
public protocol LRSchedule: Sendable {
    /// The learning rate at `step` (0-based) for an optimizer whose initial learning rate is `baseLearningRate`.
    func learningRate(at step: Int, baseLearningRate: Double) -> Double
    /// The momentum at `step`, for schedules that cycle momentum (`OneCycleLR`); nil otherwise.
    func momentum(at step: Int) -> Double?
}

extension LRSchedule {
    /// Schedules do not change momentum unless they say so.
    public func momentum(at step: Int) -> Double? { nil }

    /// The spelling before learning rates were spelled out everywhere (for callers; a custom
    /// schedule implements `learningRate(at:baseLearningRate:)`).
    @available(*, deprecated, renamed: "learningRate(at:baseLearningRate:)")
    public func learningRate(at step: Int, baseLR: Double) -> Double { learningRate(at: step, baseLearningRate: baseLR) }
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

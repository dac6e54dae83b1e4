import SynapseCore

/// Whether a monitored metric improves by going down (losses) or up (accuracy), and by how much a
/// change must beat the best value to count as an improvement.
public enum MetricMode: String, Sendable, Codable {
    /// Lower is better.
    case min
    /// Higher is better.
    case max

    /// The starting "best" value, which any finite value improves on.
    public var worst: Double { self == .min ? .infinity : -.infinity }

    /// True when `value` beats `best` by more than `minDelta` (absolute; PyTorch's `threshold_mode='abs'`).
    public func improves(_ value: Double, on best: Double, minDelta: Double = 0) -> Bool {
        self == .min ? value < best - minDelta : value > best + minDelta
    }

    /// True when `value` beats `best` by more than the relative `threshold` (`threshold_mode='rel'`).
    public func improves(_ value: Double, on best: Double, relativeThreshold threshold: Double) -> Bool {
        self == .min ? value < best * (1 - threshold) : value > best * (1 + threshold)
    }
}

import SynapseCore

/// How numeric values are rescaled, with statistics fitted on the training split.
public enum FeatureScaling: String, Codable, Sendable, CaseIterable {
    /// Leave values as they are.
    case none
    /// Subtract the mean and divide by the (population, ddof = 0) standard deviation, like
    /// scikit-learn's `StandardScaler`; a constant column is only centred.
    case standardize
    /// Map the training minimum to 0 and maximum to 1, like scikit-learn's `MinMaxScaler`; a
    /// constant column is only shifted.
    case minMax
}

/// An affine map `x -> (x - shift) / scale` fitted to one column.
public struct ScalingParameters: Codable, Sendable, Equatable {
    /// Subtracted first (the mean or minimum).
    public var shift: Double
    /// Divided by next (the standard deviation or range; never 0).
    public var scale: Double

    /// A map with the given shift and scale.
    public init(shift: Double, scale: Double) {
        self.shift = shift
        self.scale = scale
    }

    /// The identity map.
    public static let identity = ScalingParameters(shift: 0, scale: 1)

    /// The map of `scaling` fitted to `values` (missing values, NaN, are skipped). Empty input gives
    /// the identity.
    public static func fit(_ scaling: FeatureScaling, to values: [Double]) -> ScalingParameters {
        let present = values.filter { !$0.isNaN }
        guard !present.isEmpty else { return .identity }
        switch scaling {
        case .none:
            return .identity
        case .standardize:
            // Two passes: the mean first, then squared deviations (stable for large offsets).
            let mean = present.reduce(0, +) / Double(present.count)
            let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)
            let std = variance.squareRoot()
            return ScalingParameters(shift: mean, scale: std > 0 ? std : 1)
        case .minMax:
            let low = present.min()!, high = present.max()!
            return ScalingParameters(shift: low, scale: high > low ? high - low : 1)
        }
    }

    /// `value` mapped.
    public func apply(_ value: Double) -> Double { (value - shift) / scale }

    /// `value` mapped back to the original units.
    public func invert(_ value: Double) -> Double { value * scale + shift }
}

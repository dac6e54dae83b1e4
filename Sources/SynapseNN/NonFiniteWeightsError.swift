import SynapseCore

/// Weights that may not be written because a parameter holds NaN or ±infinity: a diverged model
/// must never replace a good weights file or checkpoint.
public struct NonFiniteWeightsError: Error, CustomStringConvertible, Equatable {
    /// The parameter's name in the state dict.
    public let parameter: String
    /// Its shape.
    public let shape: [Int]
    /// The first non-finite value.
    public let value: Float
    /// Its flat (row-major) index.
    public let index: Int
    /// How many elements are non-finite.
    public let count: Int

    /// Human-readable explanation.
    public var description: String {
        "refusing to write non-finite weights: parameter '\(parameter)' of shape \(shape) holds \(value) at flat index "
            + "\(index) (\(count) non-finite element\(count == 1 ? "" : "s")); training diverged before this save"
    }
}

extension Module {
    /// Throws `NonFiniteWeightsError` for the first parameter holding NaN or ±inf. Buffers are not
    /// checked: some legitimately hold infinities (e.g. attention masks).
    public func checkWeightsFinite() throws(NonFiniteWeightsError) {
        for (name, p) in namedParameters() where !p.value.isAllFinite {
            let bad = p.value.firstNonFinite()
            throw NonFiniteWeightsError(parameter: name, shape: p.shape, value: bad?.value ?? .nan, index: bad?.index ?? 0,
                                        count: bad?.count ?? 0)
        }
    }
}

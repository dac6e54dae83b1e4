import Foundation

/// The population stability index (PSI) between two distributions over the same bins.
///
/// PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ), where `eᵢ` is the expected (training) fraction in bin `i` and
/// `aᵢ` the actual (live) one. An empty bin would make the logarithm infinite, so, by the usual
/// convention, every fraction is floored at `epsilon` first (1e-4 by default). Each term is ≥ 0,
/// and PSI is symmetric in its two arguments. Read it as: below 0.1 stable, 0.1–0.2 a moderate
/// shift, above 0.2 a significant one.
public enum PopulationStability {
    /// The PSI of `actual` against `expected`: two fraction vectors over the same bins (each
    /// summing to ~1). Fractions below `epsilon` count as `epsilon`.
    ///
    /// - Precondition: both vectors have the same length and `epsilon > 0`.
    public static func index(expected: [Double], actual: [Double], epsilon: Double = 1e-4) -> Double {
        precondition(expected.count == actual.count,
                     "PopulationStability.index: expected has \(expected.count) bins but actual has \(actual.count)")
        precondition(epsilon > 0, "PopulationStability.index: epsilon must be positive, got \(epsilon)")
        var sum = 0.0
        for (e, a) in zip(expected, actual) {
            let e = Swift.max(e, epsilon), a = Swift.max(a, epsilon)
            sum += (a - e) * log(a / e)
        }
        return sum
    }

    /// Turns bin counts into fractions of their total (all zeros when the total is zero).
    package static func fractions(_ counts: [Int]) -> [Double] {
        let total = counts.reduce(0, +)
        guard total > 0 else { return Array(repeating: 0, count: counts.count) }
        return counts.map { Double($0) / Double(total) }
    }
}

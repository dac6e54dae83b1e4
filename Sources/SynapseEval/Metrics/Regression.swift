import Foundation
import SynapseCore

/// Mean absolute error (scikit-learn's `mean_absolute_error`).
/// - Throws: `MetricError` for mismatched lengths, empty input or non-finite values.
public func meanAbsoluteError(_ yTrue: some ValueSequence, _ yPred: some ValueSequence) throws(MetricError) -> Double {
    let (t, p) = try regressionInputs("mean absolute error", yTrue, yPred)
    return zip(t, p).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(t.count)
}

/// Mean squared error (scikit-learn's `mean_squared_error`).
/// - Throws: `MetricError` for mismatched lengths, empty input or non-finite values.
public func meanSquaredError(_ yTrue: some ValueSequence, _ yPred: some ValueSequence) throws(MetricError) -> Double {
    let (t, p) = try regressionInputs("mean squared error", yTrue, yPred)
    return zip(t, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(t.count)
}

/// Root mean squared error, in the units of the target (scikit-learn's `root_mean_squared_error`).
public func rootMeanSquaredError(_ yTrue: some ValueSequence, _ yPred: some ValueSequence) throws(MetricError) -> Double {
    (try meanSquaredError(yTrue, yPred)).squareRoot()
}

/// Coefficient of determination R² = 1 − SS_res / SS_tot (scikit-learn's `r2_score`).
///
/// A constant `yTrue` makes SS_tot zero; like scikit-learn (`force_finite=True`) the score is then
/// 1 for a perfect prediction and 0 otherwise, rather than NaN or −∞.
/// - Throws: `MetricError` for mismatched lengths, empty input or non-finite values.
public func r2Score(_ yTrue: some ValueSequence, _ yPred: some ValueSequence) throws(MetricError) -> Double {
    let (t, p) = try regressionInputs("R²", yTrue, yPred)
    let mean = t.reduce(0, +) / Double(t.count)
    let residual = zip(t, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let total = t.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    if total == 0 { return residual == 0 ? 1 : 0 }
    return 1 - residual / total
}

/// Mean absolute percentage error, as a fraction (0.18 = 18 %) (scikit-learn's
/// `mean_absolute_percentage_error`): mean of |y − ŷ| / max(|y|, ε) with ε = `Double.ulpOfOne`, so a
/// zero target gives a huge but finite term instead of a division by zero.
/// - Throws: `MetricError` for mismatched lengths, empty input or non-finite values.
public func meanAbsolutePercentageError(_ yTrue: some ValueSequence, _ yPred: some ValueSequence) throws(MetricError) -> Double {
    let (t, p) = try regressionInputs("mean absolute percentage error", yTrue, yPred)
    return zip(t, p).reduce(0) { $0 + abs($1.0 - $1.1) / max(abs($1.0), Double.ulpOfOne) } / Double(t.count)
}

private func regressionInputs(_ metric: String, _ yTrue: some ValueSequence,
                              _ yPred: some ValueSequence) throws(MetricError) -> ([Double], [Double]) {
    let t = try yTrue.metricValues(metric: metric, argument: "yTrue")
    let p = try yPred.metricValues(metric: metric, argument: "yPred")
    try MetricCheck.sameLength(metric, "yTrue", t.count, "yPred", p.count)
    try MetricCheck.finite(metric, "yTrue", t)
    try MetricCheck.finite(metric, "yPred", p)
    return (t, p)
}

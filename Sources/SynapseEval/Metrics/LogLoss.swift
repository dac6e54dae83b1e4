import Foundation
import SynapseCore

/// Mean negative log-likelihood of the true labels under predicted probabilities of the positive
/// class (scikit-learn's `log_loss` with a 1-D `y_pred`).
///
/// Probabilities are clipped to [ε, 1 − ε] with ε = `Double.ulpOfOne` (scikit-learn's float64 `eps`),
/// so a confident mistake costs about 36 nats instead of infinity.
/// - Throws: `MetricError` for mismatched lengths, empty input, labels other than 0/1, or
///   probabilities outside [0, 1].
public func logLoss(_ yTrue: some LabelSequence, probabilities: some ValueSequence) throws(MetricError) -> Double {
    let metric = "log loss"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let p = try probabilities.metricValues(metric: metric, argument: "probabilities")
    try MetricCheck.sameLength(metric, "yTrue", t.count, "probabilities", p.count)
    try MetricCheck.binary(metric, "yTrue", t)
    try MetricCheck.probabilities(metric, "probabilities", p)
    var sum = 0.0
    for (label, prob) in zip(t, p) { sum -= log(clipProbability(label == 1 ? prob : 1 - prob)) }
    return sum / Double(t.count)
}

/// Mean negative log-likelihood of the true labels under per-class probabilities `[N, C]`
/// (scikit-learn's `log_loss` with `labels = 0..<C`).
///
/// Each row is divided by its sum first, as scikit-learn does, so rows that miss 1 by rounding
/// (Float softmax outputs) are accepted; then clipped to [ε, 1 − ε] with ε = `Double.ulpOfOne`.
/// - Throws: `MetricError` for mismatched lengths, empty input, labels outside the columns,
///   negative values, or rows summing to 0.
public func logLoss(_ yTrue: some LabelSequence, classProbabilities probabilities: some ScoreMatrix) throws(MetricError) -> Double {
    let metric = "log loss"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let rows = try probabilities.metricRows(metric: metric, argument: "probabilities")
    _ = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
    var sum = 0.0
    for (i, (label, row)) in zip(t, rows).enumerated() {
        let total = row.reduce(0, +)
        guard row.allSatisfy({ $0 >= 0 }), total > 0 else {
            throw .invalidValue(metric: metric, argument: "probabilities", reason: "row \(i) is not a probability distribution \(row)")
        }
        sum -= log(clipProbability(row[label] / total))
    }
    return sum / Double(t.count)
}

private func clipProbability(_ p: Double) -> Double { min(max(p, Double.ulpOfOne), 1 - Double.ulpOfOne) }

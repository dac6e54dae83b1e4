import SynapseCore

/// Fraction of examples whose predicted label equals the true label (scikit-learn's `accuracy_score`).
/// - Throws: `MetricError` when the lengths differ or the inputs are empty.
public func accuracy(_ yTrue: some LabelSequence, _ yPred: some LabelSequence) throws(MetricError) -> Double {
    let metric = "accuracy"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let p = try yPred.metricLabels(metric: metric, argument: "yPred")
    try MetricCheck.sameLength(metric, "yTrue", t.count, "yPred", p.count)
    return Double(zip(t, p).filter { $0 == $1 }.count) / Double(t.count)
}

/// Accuracy of the arg-max of each score row (the first maximum on ties, as NumPy's `argmax`).
/// - Throws: `MetricError` for mismatched lengths, labels outside the columns, or non-finite scores.
public func accuracy(_ yTrue: some LabelSequence, classScores scores: some ScoreMatrix) throws(MetricError) -> Double {
    let metric = "accuracy"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let rows = try scores.metricRows(metric: metric, argument: "scores")
    _ = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
    return Double(zip(t, rows).filter { MetricCheck.argmax($1) == $0 }.count) / Double(t.count)
}

/// Fraction of examples whose true label is among the `k` highest scores of its row
/// (scikit-learn's `top_k_accuracy_score`).
///
/// Ties follow scikit-learn: classes are ranked by a stable ascending sort reversed, so among equal
/// scores the class with the *higher* index ranks first. For `k = 1` that differs from `argmax`
/// only on exact ties, which is why `accuracy(_:classScores:)` uses the arg-max rule instead.
/// - Throws: `MetricError` for `k < 1`, mismatched lengths, labels outside the columns, non-finite scores.
public func topKAccuracy(_ yTrue: some LabelSequence, classScores scores: some ScoreMatrix, k: Int) throws(MetricError) -> Double {
    let metric = "top-\(k) accuracy"
    guard k >= 1 else { throw .invalidParameter(metric: metric, parameter: "k", reason: "must be at least 1, got \(k)") }
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let rows = try scores.metricRows(metric: metric, argument: "scores")
    _ = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
    var hits = 0
    for (label, row) in zip(t, rows) {
        // A class outranks the true class if its score is higher, or equal with a higher index.
        let own = row[label]
        var above = 0
        for (c, s) in row.enumerated() where s > own || (s == own && c > label) { above += 1 }
        if above < k { hits += 1 }
    }
    return Double(hits) / Double(t.count)
}

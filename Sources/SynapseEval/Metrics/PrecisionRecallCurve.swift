import SynapseCore

/// A precision-recall curve (scikit-learn's `precision_recall_curve`), ordered by *increasing*
/// threshold: recall falls from its highest value to the final point (recall 0, precision 1),
/// which has no threshold.
public struct PrecisionRecallCurve: Sendable, Equatable, Codable {
    /// Precision at each threshold, then 1.
    public let precision: [Double]
    /// Recall at each threshold, then 0.
    public let recall: [Double]
    /// Distinct scores, ascending (one fewer than the points).
    public let thresholds: [Double]

    /// The curve of binary labels (`positive` counts as positive) against scores.
    ///
    /// With no positive example in `yTrue` recall is taken as 1 at every threshold (as scikit-learn
    /// does), which gives an average precision of 0.
    /// - Throws: `MetricError` for mismatched lengths, empty input or non-finite scores.
    public init(_ yTrue: some LabelSequence, scores: some ValueSequence, positive: Int = 1) throws(MetricError) {
        let metric = "precision-recall curve"
        let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
        let s = try scores.metricValues(metric: metric, argument: "scores")
        let counts = try BinaryThresholds(metric: metric, yTrue: t, scores: s, positive: positive)
        let p = zip(counts.truePositives, counts.falsePositives).map { $0 + $1 == 0 ? 0 : $0 / ($0 + $1) }
        let r = counts.truePositives.map { counts.positives == 0 ? 1 : $0 / counts.positives }
        precision = p.reversed() + [1]
        recall = r.reversed() + [0]
        thresholds = counts.thresholds.reversed()
    }

    /// Average precision: Σₙ (Rₙ − Rₙ₋₁) Pₙ over thresholds from high to low, a step-wise area that
    /// does not interpolate (scikit-learn's `average_precision_score`).
    public var averagePrecision: Double {
        var ap = 0.0
        for i in 0..<(recall.count - 1) { ap += (recall[i] - recall[i + 1]) * precision[i] }
        return ap
    }

    /// Area under the curve by the trapezoidal rule (scikit-learn's `auc(recall, precision)`); it
    /// interpolates linearly, which is optimistic, so prefer `averagePrecision`.
    public var trapezoidalArea: Double { trapezoid(x: recall.reversed(), y: precision.reversed()) }

    /// The curve as (recall, precision) points, for plotting.
    public var points: [(x: Double, y: Double)] { Array(zip(recall, precision)).map { (x: $0, y: $1) } }

    /// Equality of the stored arrays.
    public static func == (a: Self, b: Self) -> Bool {
        a.precision == b.precision && a.recall == b.recall && a.thresholds == b.thresholds
    }
}

/// Average precision of binary labels against scores (scikit-learn's `average_precision_score`):
/// the PR-AUC without interpolation. See `PrecisionRecallCurve.averagePrecision`.
public func averagePrecision(_ yTrue: some LabelSequence, scores: some ValueSequence, positive: Int = 1) throws(MetricError) -> Double {
    try PrecisionRecallCurve(yTrue, scores: scores, positive: positive).averagePrecision
}

/// Average precision of each class against the rest, averaged without weights (scikit-learn's
/// `average_precision_score` on one-hot labels with `average='macro'`).
/// - Throws: `MetricError` for bad input.
public func averagePrecision(_ yTrue: some LabelSequence, classScores scores: some ScoreMatrix) throws(MetricError) -> Double {
    let metric = "one-vs-rest average precision"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let rows = try scores.metricRows(metric: metric, argument: "scores")
    let classes = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
    var sum = 0.0
    for c in 0..<classes { sum += try averagePrecision(t, scores: rows.map { $0[c] }, positive: c) }
    return sum / Double(classes)
}

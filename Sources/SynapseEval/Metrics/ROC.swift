import SynapseCore

/// A receiver operating characteristic curve: false- and true-positive rates as the decision
/// threshold falls (scikit-learn's `roc_curve` with `drop_intermediate=False`).
///
/// The first point is (0, 0) at threshold +∞; then one point per distinct score, highest first.
public struct ROCCurve: Sendable, Equatable, Codable {
    /// False-positive rate at each threshold.
    public let falsePositiveRate: [Double]
    /// True-positive rate (recall) at each threshold.
    public let truePositiveRate: [Double]
    /// Score thresholds (predict positive when score >= threshold); the first is +∞.
    public let thresholds: [Double]

    /// The curve of binary labels (`positive` counts as positive, any other label as negative) against scores.
    /// - Throws: `MetricError` for mismatched lengths, empty input, non-finite scores, or when only
    ///   one class is present (a rate would divide by zero).
    public init(_ yTrue: some LabelSequence, scores: some ValueSequence, positive: Int = 1) throws(MetricError) {
        let metric = "ROC curve"
        let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
        let s = try scores.metricValues(metric: metric, argument: "scores")
        let counts = try BinaryThresholds(metric: metric, yTrue: t, scores: s, positive: positive)
        guard counts.positives > 0, counts.negatives > 0 else {
            throw .undefined(metric: metric, reason: "only one class is present in yTrue (\(Int(counts.positives)) positives, "
                + "\(Int(counts.negatives)) negatives)")
        }
        falsePositiveRate = [0] + counts.falsePositives.map { $0 / counts.negatives }
        truePositiveRate = [0] + counts.truePositives.map { $0 / counts.positives }
        thresholds = [.infinity] + counts.thresholds
    }

    /// Area under the curve by the trapezoidal rule.
    public var area: Double { trapezoid(x: falsePositiveRate, y: truePositiveRate) }

    /// The curve as (x, y) points, for plotting.
    public var points: [(x: Double, y: Double)] { Array(zip(falsePositiveRate, truePositiveRate)).map { (x: $0, y: $1) } }

    /// Equality of the stored arrays.
    public static func == (a: Self, b: Self) -> Bool {
        a.falsePositiveRate == b.falsePositiveRate && a.truePositiveRate == b.truePositiveRate && a.thresholds == b.thresholds
    }
}

/// Area under the ROC curve of binary labels against scores (scikit-learn's `roc_auc_score`):
/// the probability that a random positive scores above a random negative, ties counting one half.
/// - Throws: `MetricError.undefined` when `yTrue` holds only one class, or other bad input.
public func rocAUC(_ yTrue: some LabelSequence, scores: some ValueSequence, positive: Int = 1) throws(MetricError) -> Double {
    try ROCCurve(yTrue, scores: scores, positive: positive).area
}

/// How one-vs-rest AUCs of the classes are combined.
public enum ClassAveraging: String, Sendable, Hashable, Codable {
    /// Unweighted mean over classes.
    case macro
    /// Mean weighted by each class's support.
    case weighted
}

/// One-vs-rest ROC-AUC of multiclass labels against per-class scores (scikit-learn's
/// `roc_auc_score(multi_class='ovr', labels=0..<C)`): each class's AUC against all others, averaged.
/// - Throws: `MetricError.undefined` when a class of `0..<C` is absent from `yTrue` (its AUC has no
///   value) or is the only class present; other bad input likewise.
public func rocAUC(_ yTrue: some LabelSequence, classScores scores: some ScoreMatrix, average: ClassAveraging = .macro) throws(MetricError) -> Double {
    let metric = "one-vs-rest ROC-AUC"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let rows = try scores.metricRows(metric: metric, argument: "scores")
    let classes = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
    let curves = try oneVsRestCurves(metric: metric, yTrue: t, rows: rows, classes: classes)
    let areas = curves.map(\.area)
    switch average {
    case .macro: return areas.reduce(0, +) / Double(classes)
    case .weighted:
        let support = (0..<classes).map { c in Double(t.filter { $0 == c }.count) }
        return zip(areas, support).reduce(0) { $0 + $1.0 * $1.1 } / Double(t.count)
    }
}

/// The one-vs-rest ROC curve of every class (class `c` positive, all others negative).
/// - Throws: `MetricError.undefined` naming the class when one is absent from `yTrue`.
public func oneVsRestROCCurves(_ yTrue: some LabelSequence, classScores scores: some ScoreMatrix) throws(MetricError) -> [ROCCurve] {
    let metric = "one-vs-rest ROC curve"
    let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
    let rows = try scores.metricRows(metric: metric, argument: "scores")
    let classes = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
    return try oneVsRestCurves(metric: metric, yTrue: t, rows: rows, classes: classes)
}

private func oneVsRestCurves(metric: String, yTrue: [Int], rows: [[Double]], classes: Int) throws(MetricError) -> [ROCCurve] {
    var curves: [ROCCurve] = []
    for c in 0..<classes {
        let present = yTrue.contains(c)
        guard present, yTrue.contains(where: { $0 != c }) else {
            throw .undefined(metric: metric, reason: present ? "class \(c) is the only class present in yTrue"
                                                             : "class \(c) does not occur in yTrue")
        }
        curves.append(try ROCCurve(yTrue, scores: rows.map { $0[c] }, positive: c))
    }
    return curves
}

/// Trapezoidal area under y(x) for x sorted ascending.
func trapezoid(x: [Double], y: [Double]) -> Double {
    var area = 0.0
    for i in 1..<max(x.count, 1) { area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2 }
    return area
}

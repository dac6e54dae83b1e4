import SynapseCore

/// Every classification metric of one set of predictions, computed once: what an evaluation report
/// and each slice of a slice evaluation show.
///
/// Metrics that have no value on the data are nil rather than an error, because a slice legitimately
/// holds a single class (slicing by label does exactly that): ROC-AUC and average precision of a
/// class absent from the labels, and their means when any class is absent.
public struct ClassificationSummary: Sendable, Codable {
    /// Number of examples.
    public let count: Int
    /// Number of classes (probability columns).
    public let classCount: Int
    /// Fraction of arg-max predictions that are right.
    public let accuracy: Double
    /// The k of `topKAccuracy`.
    public let topK: Int
    /// Fraction of examples whose label is among the `topK` most probable classes.
    public let topKAccuracy: Double
    /// Counts of (true, predicted) pairs.
    public let confusion: ConfusionMatrix
    /// Per-class and pooled precision, recall and F1 (zero division gives 0).
    public let scores: ClassificationScores
    /// Mean negative log-likelihood of the labels (rows renormalised, clipped as scikit-learn does).
    public let logLoss: Double
    /// One-vs-rest ROC-AUC of each class; nil for a class absent from the labels or the only one present.
    public let rocAUCPerClass: [Double?]
    /// One-vs-rest average precision of each class; nil for a class absent from the labels.
    public let averagePrecisionPerClass: [Double?]
    /// Calibration of the arg-max confidence.
    public let calibration: CalibrationReport

    /// Summarises `probabilities` `[N, C]` (softmax outputs, say) against `labels`.
    /// - Throws: `MetricError` for mismatched lengths, empty input, labels outside the columns,
    ///   or values that are not probabilities.
    public init(labels: some LabelSequence, probabilities: some ScoreMatrix, topK: Int = 3, binCount: Int = 10) throws(MetricError) {
        let metric = "classification summary"
        let t = try labels.metricLabels(metric: metric, argument: "labels")
        let rows = try probabilities.metricRows(metric: metric, argument: "probabilities")
        let classes = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
        let predictions = rows.map(MetricCheck.argmax)
        count = t.count
        classCount = classes
        confusion = try ConfusionMatrix(t, predictions, classCount: classes)
        scores = ClassificationScores(confusion)
        accuracy = confusion.accuracy
        self.topK = min(max(topK, 1), classes)
        topKAccuracy = try SynapseEval.topKAccuracy(t, classScores: rows, k: self.topK)
        logLoss = try SynapseEval.logLoss(t, classProbabilities: rows)
        calibration = try CalibrationReport(t, classProbabilities: rows, binCount: binCount)
        var aucs: [Double?] = [], aps: [Double?] = []
        for c in 0..<classes {
            let column = rows.map { $0[c] }
            let present = t.contains(c)
            if present, t.contains(where: { $0 != c }) {
                aucs.append(try ROCCurve(t, scores: column, positive: c).area)
            } else {
                aucs.append(nil)
            }
            aps.append(present ? try Self.averagePrecision(t, column, c) : nil)
        }
        rocAUCPerClass = aucs
        averagePrecisionPerClass = aps
    }

    /// Macro-averaged one-vs-rest ROC-AUC; nil unless every class has one.
    public var rocAUCMacro: Double? { Self.mean(rocAUCPerClass) }
    /// Macro-averaged one-vs-rest average precision; nil unless every class has one.
    public var averagePrecisionMacro: Double? { Self.mean(averagePrecisionPerClass) }
    /// Macro F1 over the classes that occur in the labels or the predictions — scikit-learn's
    /// `f1_score(average='macro')` without `labels`. Slices use it: a slice holding a few classes
    /// would otherwise be dragged down by all the classes it cannot contain.
    public var observedClassMacroF1: Double {
        let predicted = confusion.predicted
        let observed = (0..<classCount).filter { scores.support[$0] > 0 || predicted[$0] > 0 }
        guard !observed.isEmpty else { return 0 }
        return observed.reduce(0.0) { $0 + scores.f1[$1] } / Double(observed.count)
    }
    /// Expected calibration error of the arg-max confidence.
    public var expectedCalibrationError: Double { calibration.expectedCalibrationError }

    private static func averagePrecision(_ t: [Int], _ column: [Double], _ c: Int) throws(MetricError) -> Double {
        try PrecisionRecallCurve(t, scores: column, positive: c).averagePrecision
    }

    private static func mean(_ values: [Double?]) -> Double? {
        let present = values.compactMap { $0 }
        guard present.count == values.count, !present.isEmpty else { return nil }
        return present.reduce(0, +) / Double(present.count)
    }
}

import SynapseCore

/// How per-class precision, recall and F1 are combined into one number (scikit-learn's `average`).
public enum Averaging: Sendable, Hashable, Codable {
    /// Only the scores of the `positive` class (scikit-learn's `average='binary'`, `pos_label`).
    case binary(positive: Int = 1)
    /// Unweighted mean over all classes `0..<classCount`, including classes absent from the data.
    case macro
    /// Scores of the pooled true positives, false positives and false negatives of all classes
    /// (equal to accuracy when every example has exactly one label).
    case micro
    /// Mean over classes weighted by their support (number of true examples).
    case weighted
}

/// Per-class precision, recall, F1 and support (scikit-learn's `precision_recall_fscore_support`
/// with `average=None` and `labels = 0..<classCount`).
///
/// **Zero division** follows scikit-learn's default: a ratio whose denominator is 0 (precision of a
/// class never predicted, recall of a class absent from `yTrue`, F1 of a class with neither) takes
/// the value `zeroDivision`, 0 unless asked otherwise. scikit-learn also warns; Synapse does not.
/// F1 is computed as 2·TP / (2·TP + FP + FN), which equals the harmonic mean of precision and recall
/// wherever that is defined.
public struct ClassificationScores: Sendable, Equatable, Codable {
    /// Precision of each class.
    public let precision: [Double]
    /// Recall of each class.
    public let recall: [Double]
    /// F1 score of each class.
    public let f1: [Double]
    /// True examples of each class.
    public let support: [Int]
    /// Pooled precision, recall and F1 (`Averaging.micro`).
    public let micro: (precision: Double, recall: Double, f1: Double)

    /// Scores from a confusion matrix.
    public init(_ matrix: ConfusionMatrix, zeroDivision: Double = 0) {
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? zeroDivision : Double(a) / Double(b) }
        let tp = matrix.truePositives, predicted = matrix.predicted, support = matrix.support
        precision = zip(tp, predicted).map { ratio($0, $1) }
        recall = zip(tp, support).map { ratio($0, $1) }
        f1 = (0..<matrix.classCount).map { c in ratio(2 * tp[c], predicted[c] + support[c]) }
        self.support = support
        let tpSum = tp.reduce(0, +), predictedSum = predicted.reduce(0, +), supportSum = support.reduce(0, +)
        micro = (ratio(tpSum, predictedSum), ratio(tpSum, supportSum), ratio(2 * tpSum, predictedSum + supportSum))
    }

    /// Scores of `yTrue` against `yPred` over classes `0..<classCount` (nil: largest label + 1).
    /// - Throws: `MetricError` for mismatched lengths, empty input or labels out of range.
    public init(_ yTrue: some LabelSequence, _ yPred: some LabelSequence, classCount: Int? = nil,
                zeroDivision: Double = 0) throws(MetricError) {
        self.init(try ConfusionMatrix(yTrue, yPred, classCount: classCount), zeroDivision: zeroDivision)
    }

    /// Number of classes.
    public var classCount: Int { support.count }

    /// Precision combined by `average`.
    public func precisionScore(_ average: Averaging) throws(MetricError) -> Double {
        try combine(precision, micro.precision, average, metric: "precision")
    }
    /// Recall combined by `average`.
    public func recallScore(_ average: Averaging) throws(MetricError) -> Double {
        try combine(recall, micro.recall, average, metric: "recall")
    }
    /// F1 combined by `average`.
    public func f1Score(_ average: Averaging) throws(MetricError) -> Double {
        try combine(f1, micro.f1, average, metric: "F1")
    }

    private func combine(_ perClass: [Double], _ pooled: Double, _ average: Averaging, metric: String) throws(MetricError) -> Double {
        switch average {
        case .binary(let positive):
            guard positive >= 0, positive < classCount else {
                throw .invalidParameter(metric: metric, parameter: "positive", reason: "class \(positive) is outside 0..<\(classCount)")
            }
            return perClass[positive]
        case .macro:
            return perClass.reduce(0, +) / Double(classCount)
        case .micro:
            return pooled
        case .weighted:
            let total = support.reduce(0, +)
            guard total > 0 else { return 0 }
            return zip(perClass, support).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(total)
        }
    }

    /// Equality of all per-class and pooled values.
    public static func == (a: Self, b: Self) -> Bool {
        a.precision == b.precision && a.recall == b.recall && a.f1 == b.f1 && a.support == b.support
            && a.micro == b.micro
    }

    private enum CodingKeys: String, CodingKey { case precision, recall, f1, support, microPrecision, microRecall, microF1 }

    /// Decodes the stored values.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        precision = try c.decode([Double].self, forKey: .precision)
        recall = try c.decode([Double].self, forKey: .recall)
        f1 = try c.decode([Double].self, forKey: .f1)
        support = try c.decode([Int].self, forKey: .support)
        micro = (try c.decode(Double.self, forKey: .microPrecision), try c.decode(Double.self, forKey: .microRecall),
                 try c.decode(Double.self, forKey: .microF1))
    }

    /// Encodes the per-class and pooled values.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(f1, forKey: .f1)
        try c.encode(support, forKey: .support)
        try c.encode(micro.precision, forKey: .microPrecision)
        try c.encode(micro.recall, forKey: .microRecall)
        try c.encode(micro.f1, forKey: .microF1)
    }
}

/// Precision: of the examples predicted as a class, the fraction that belong to it
/// (scikit-learn's `precision_score`; zero division gives `zeroDivision`, see `ClassificationScores`).
/// - Parameter classCount: number of classes for `.macro`/`.micro`/`.weighted`; nil uses the largest label + 1.
public func precision(_ yTrue: some LabelSequence, _ yPred: some LabelSequence, average: Averaging = .binary(),
                      classCount: Int? = nil, zeroDivision: Double = 0) throws(MetricError) -> Double {
    try ClassificationScores(yTrue, yPred, classCount: scoreClasses(average, classCount), zeroDivision: zeroDivision).precisionScore(average)
}

/// Recall: of the examples of a class, the fraction predicted as it (scikit-learn's `recall_score`).
/// - Parameter classCount: number of classes for `.macro`/`.micro`/`.weighted`; nil uses the largest label + 1.
public func recall(_ yTrue: some LabelSequence, _ yPred: some LabelSequence, average: Averaging = .binary(),
                   classCount: Int? = nil, zeroDivision: Double = 0) throws(MetricError) -> Double {
    try ClassificationScores(yTrue, yPred, classCount: scoreClasses(average, classCount), zeroDivision: zeroDivision).recallScore(average)
}

/// F1: the harmonic mean of precision and recall (scikit-learn's `f1_score`).
/// - Parameter classCount: number of classes for `.macro`/`.micro`/`.weighted`; nil uses the largest label + 1.
public func f1Score(_ yTrue: some LabelSequence, _ yPred: some LabelSequence, average: Averaging = .binary(),
                    classCount: Int? = nil, zeroDivision: Double = 0) throws(MetricError) -> Double {
    try ClassificationScores(yTrue, yPred, classCount: scoreClasses(average, classCount), zeroDivision: zeroDivision).f1Score(average)
}

/// Binary scores need at least the positive class's column even when it never occurs.
private func scoreClasses(_ average: Averaging, _ classCount: Int?) -> Int? {
    if case .binary(let positive) = average, classCount == nil { return max(2, positive + 1) }
    return classCount
}

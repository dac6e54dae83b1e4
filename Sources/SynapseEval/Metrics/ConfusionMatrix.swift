import SynapseCore

/// Counts of (true class, predicted class) pairs: `counts[i][j]` examples of class `i` predicted as
/// `j` (scikit-learn's `confusion_matrix` with `labels = 0..<classCount`).
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// Number of classes (rows and columns).
    public let classCount: Int
    /// `counts[trueClass][predictedClass]`.
    public let counts: [[Int]]

    /// Tallies `yTrue` against `yPred`. Classes absent from both still get a (zero) row and column.
    /// - Parameter classCount: number of classes; nil uses the largest label + 1.
    /// - Throws: `MetricError` for mismatched lengths, empty input, or labels outside `0..<classCount`.
    public init(_ yTrue: some LabelSequence, _ yPred: some LabelSequence, classCount: Int? = nil) throws(MetricError) {
        let metric = "confusion matrix"
        let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
        let p = try yPred.metricLabels(metric: metric, argument: "yPred")
        try MetricCheck.sameLength(metric, "yTrue", t.count, "yPred", p.count)
        let classes = classCount ?? (max(t.max() ?? 0, p.max() ?? 0) + 1)
        guard classes >= 1 else { throw .invalidParameter(metric: metric, parameter: "classCount", reason: "must be positive, got \(classes)") }
        try MetricCheck.labels(metric, "yTrue", t, classCount: classes)
        try MetricCheck.labels(metric, "yPred", p, classCount: classes)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (a, b) in zip(t, p) { counts[a][b] += 1 }
        self.classCount = classes
        self.counts = counts
    }

    /// Examples in all.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// True positives of each class (the diagonal).
    public var truePositives: [Int] { (0..<classCount).map { counts[$0][$0] } }
    /// Examples of each true class (row sums): the class supports.
    public var support: [Int] { counts.map { $0.reduce(0, +) } }
    /// Examples predicted as each class (column sums).
    public var predicted: [Int] { (0..<classCount).map { c in counts.reduce(0) { $0 + $1[c] } } }
    /// Fraction of correct predictions (the diagonal over the total; 0 when empty).
    public var accuracy: Double {
        total == 0 ? 0 : Double(truePositives.reduce(0, +)) / Double(total)
    }

    /// Each row divided by its sum (the recall view); rows of absent classes stay zero.
    public var rowNormalized: [[Double]] {
        counts.map { row in
            let sum = row.reduce(0, +)
            return row.map { sum == 0 ? 0 : Double($0) / Double(sum) }
        }
    }
}

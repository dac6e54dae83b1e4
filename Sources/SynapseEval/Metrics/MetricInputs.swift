import SynapseCore

/// Integer class labels accepted by the metrics: `[Int]` and other integer arrays, or a 1-D `IntTensor`.
public protocol LabelSequence {
    /// The labels as `Int`s; `metric` and `argument` name the caller in errors.
    func metricLabels(metric: String, argument: String) throws(MetricError) -> [Int]
}

/// Real values accepted by the metrics (scores, targets, predictions): `[Double]`, `[Float]`, or a 1-D `Tensor`.
///
/// Metrics compute in `Double` whatever the input type, so Float inputs lose nothing further.
public protocol ValueSequence {
    /// The values as `Double`s; `metric` and `argument` name the caller in errors.
    func metricValues(metric: String, argument: String) throws(MetricError) -> [Double]
}

/// A matrix of per-class scores, one row per example: `[[Double]]`, `[[Float]]`, or a 2-D `Tensor`.
public protocol ScoreMatrix {
    /// The rows as `Double`s (all the same width); `metric` and `argument` name the caller in errors.
    func metricRows(metric: String, argument: String) throws(MetricError) -> [[Double]]
}

extension Array: LabelSequence where Element: BinaryInteger {
    /// The elements converted to `Int`.
    public func metricLabels(metric: String, argument: String) throws(MetricError) -> [Int] { map { Int($0) } }
}

extension IntTensor: LabelSequence {
    /// The scalars of a 1-D tensor.
    public func metricLabels(metric: String, argument: String) throws(MetricError) -> [Int] {
        guard rank == 1 else { throw .badShape(metric: metric, argument: argument, shape: shape, expected: "a 1-D tensor [N]") }
        return scalars
    }
}

extension Array: ValueSequence where Element: BinaryFloatingPoint {
    /// The elements converted to `Double`.
    public func metricValues(metric: String, argument: String) throws(MetricError) -> [Double] { map { Double($0) } }
}

extension Tensor: ValueSequence {
    /// The scalars of a 1-D tensor (or of `[N, 1]`), as `Double`.
    public func metricValues(metric: String, argument: String) throws(MetricError) -> [Double] {
        guard rank == 1 || (rank == 2 && shape[1] == 1) else {
            throw .badShape(metric: metric, argument: argument, shape: shape, expected: "a 1-D tensor [N]")
        }
        return scalars.map(Double.init)
    }
}

extension Array: ScoreMatrix where Element: Collection, Element.Element: BinaryFloatingPoint {
    /// The rows converted to `Double`; rows of different widths are an error.
    public func metricRows(metric: String, argument: String) throws(MetricError) -> [[Double]] {
        let rows = map { $0.map { Double($0) } }
        if let width = rows.first?.count, let bad = rows.firstIndex(where: { $0.count != width }) {
            throw .badShape(metric: metric, argument: argument, shape: [rows.count, rows[bad].count],
                            expected: "rows of equal width \(width) (row \(bad) differs)")
        }
        return rows
    }
}

extension Tensor: ScoreMatrix {
    /// The rows of a 2-D tensor `[N, C]`, as `Double`.
    public func metricRows(metric: String, argument: String) throws(MetricError) -> [[Double]] {
        guard rank == 2 else { throw .badShape(metric: metric, argument: argument, shape: shape, expected: "a 2-D tensor [N, C]") }
        let values = scalars
        let width = shape[1]
        return (0..<shape[0]).map { r in values[(r * width)..<((r + 1) * width)].map(Double.init) }
    }
}

/// Shared argument checks, so every metric reports bad input the same way.
enum MetricCheck {
    /// Throws unless `a` and `b` have the same, non-zero length.
    static func sameLength(_ metric: String, _ aName: String, _ a: Int, _ bName: String, _ b: Int,
                           allowEmpty: Bool = false) throws(MetricError) {
        guard a == b else { throw .lengthMismatch(metric: metric, first: aName, firstCount: a, second: bName, secondCount: b) }
        if !allowEmpty, a == 0 { throw .empty(metric: metric) }
    }

    /// Throws unless every value is finite.
    static func finite(_ metric: String, _ name: String, _ values: [Double]) throws(MetricError) {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(metric: metric, argument: name, reason: "element \(i) is \(values[i])")
        }
    }

    /// Throws unless every label is in `0..<classCount`.
    static func labels(_ metric: String, _ name: String, _ labels: [Int], classCount: Int) throws(MetricError) {
        if let i = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw .invalidValue(metric: metric, argument: name, reason: "label \(labels[i]) at index \(i) is outside 0..<\(classCount)")
        }
    }

    /// Throws unless every label is 0 or 1.
    static func binary(_ metric: String, _ name: String, _ labels: [Int]) throws(MetricError) {
        if let i = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidValue(metric: metric, argument: name, reason: "label \(labels[i]) at index \(i) is not 0 or 1")
        }
    }

    /// Throws unless every value lies in [0, 1].
    static func probabilities(_ metric: String, _ name: String, _ values: [Double]) throws(MetricError) {
        if let i = values.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw .invalidValue(metric: metric, argument: name, reason: "element \(i) is \(values[i]), not a probability in [0, 1]")
        }
    }

    /// Validates a score matrix against labels: same count, `classCount` columns (inferred from the
    /// width when nil), finite values. Returns the number of classes.
    static func matrix(_ metric: String, _ rows: [[Double]], labels: [Int], classCount: Int?) throws(MetricError) -> Int {
        try sameLength(metric, "yTrue", labels.count, "scores", rows.count)
        let width = rows[0].count
        let classes = classCount ?? width
        guard width == classes, classes >= 1 else {
            throw .badShape(metric: metric, argument: "scores", shape: [rows.count, width], expected: "[N, \(classes)] (one column per class)")
        }
        for (r, row) in rows.enumerated() where row.contains(where: { !$0.isFinite }) {
            throw .invalidValue(metric: metric, argument: "scores", reason: "row \(r) holds a non-finite value")
        }
        try self.labels(metric, "yTrue", labels, classCount: classes)
        return classes
    }

    /// Index of the largest value (the first one on ties, as NumPy's `argmax`).
    static func argmax(_ row: [Double]) -> Int {
        var best = 0
        for i in 1..<row.count where row[i] > row[best] { best = i }
        return best
    }
}

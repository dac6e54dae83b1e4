import SynapseCore

/// The examples of one group and the metrics computed on them alone.
public struct EvaluationSlice<Summary: Sendable>: Sendable {
    /// The group key shared by the slice's examples.
    public let key: String
    /// Number of examples in the slice.
    public let count: Int
    /// Metrics on the slice.
    public let summary: Summary
}

/// A metric by which slices are compared, and whether higher is better.
public enum SliceMetric: String, Sendable, CaseIterable, Codable {
    /// Accuracy (higher is better).
    case accuracy
    /// Macro-averaged F1 over the classes observed in the slice (`ClassificationSummary.observedClassMacroF1`; higher is better).
    case macroF1 = "macro_f1"
    /// Log loss (lower is better).
    case logLoss = "log_loss"
    /// Expected calibration error (lower is better).
    case expectedCalibrationError = "ece"
    /// Macro one-vs-rest ROC-AUC (higher is better; undefined on slices missing a class).
    case rocAUC = "roc_auc"

    /// True when a larger value means a better model.
    public var higherIsBetter: Bool { self == .accuracy || self == .macroF1 || self == .rocAUC }

    /// Human-readable name.
    public var displayName: String {
        switch self {
        case .accuracy: return "accuracy"
        case .macroF1: return "macro F1"
        case .logLoss: return "log loss"
        case .expectedCalibrationError: return "ECE"
        case .rocAUC: return "ROC-AUC (OvR macro)"
        }
    }

    /// The metric's value in `summary`, nil when undefined there.
    public func value(in summary: ClassificationSummary) -> Double? {
        switch self {
        case .accuracy: return summary.accuracy
        case .macroF1: return summary.observedClassMacroF1
        case .logLoss: return summary.logLoss
        case .expectedCalibrationError: return summary.expectedCalibrationError
        case .rocAUC: return summary.rocAUCMacro
        }
    }
}

/// Slice evaluation: the same metrics computed separately for each group of examples, to find
/// where a model is weak when its average looks fine.
public enum SliceEvaluation {
    /// Indices of the examples of each group key. Keys listed in `order` come first in that order;
    /// the rest follow sorted.
    public static func groups(keys: [String], order: [String] = []) -> [(key: String, indices: [Int])] {
        var members: [String: [Int]] = [:]
        for (i, key) in keys.enumerated() { members[key, default: []].append(i) }
        let listed = order.filter { members[$0] != nil }
        let rest = members.keys.filter { !order.contains($0) }.sorted()
        return (listed + rest).map { ($0, members[$0]!) }
    }

    /// Runs `compute` on the indices of each group (`keys[i]` is example i's group).
    public static func evaluate<Summary: Sendable, Failure: Error>(
        keys: [String], order: [String] = [], compute: ([Int]) throws(Failure) -> Summary
    ) throws(Failure) -> [EvaluationSlice<Summary>] {
        var slices: [EvaluationSlice<Summary>] = []
        for group in groups(keys: keys, order: order) {
            slices.append(EvaluationSlice(key: group.key, count: group.indices.count, summary: try compute(group.indices)))
        }
        return slices
    }
}

/// Classification metrics per slice, with the worst slice for a chosen metric.
public struct ClassificationSlices: Sendable {
    /// What the examples were grouped by (shown in reports), e.g. "true class".
    public let name: String
    /// The metric used to pick the worst slice.
    public let metric: SliceMetric
    /// Every slice, in key order.
    public let slices: [EvaluationSlice<ClassificationSummary>]

    /// Groups examples by `keys` (one per example, e.g. a column's values) and summarises each group.
    /// - Parameters:
    ///   - order: keys to list first, in this order (class names, say); others follow sorted.
    /// - Throws: `MetricError` when `keys` and `labels` differ in length, or for bad predictions.
    public init(name: String, labels: some LabelSequence, probabilities: some ScoreMatrix, keys: [String],
                order: [String] = [], metric: SliceMetric = .accuracy, topK: Int = 3, binCount: Int = 10) throws(MetricError) {
        let t = try labels.metricLabels(metric: "slice evaluation", argument: "labels")
        let rows = try probabilities.metricRows(metric: "slice evaluation", argument: "probabilities")
        try MetricCheck.sameLength("slice evaluation", "labels", t.count, "probabilities", rows.count)
        try MetricCheck.sameLength("slice evaluation", "labels", t.count, "keys", keys.count)
        self.name = name
        self.metric = metric
        slices = try SliceEvaluation.evaluate(keys: keys, order: order) { (indices: [Int]) throws(MetricError) in
            try ClassificationSummary(labels: indices.map { t[$0] }, probabilities: indices.map { rows[$0] },
                                      topK: topK, binCount: binCount)
        }
    }

    /// Groups examples by `key(i)`, a function of the example index (a brightness bucket, say).
    /// - Throws: `MetricError` for bad predictions.
    public init(name: String, labels: some LabelSequence, probabilities: some ScoreMatrix, order: [String] = [],
                metric: SliceMetric = .accuracy, topK: Int = 3, binCount: Int = 10, key: (Int) -> String) throws(MetricError) {
        let t = try labels.metricLabels(metric: "slice evaluation", argument: "labels")
        try self.init(name: name, labels: t, probabilities: probabilities, keys: t.indices.map(key), order: order,
                      metric: metric, topK: topK, binCount: binCount)
    }

    /// The slice with the worst value of `metric` (lowest when higher is better); slices where it is
    /// undefined are skipped, and the first slice wins ties. Nil when no slice has a value.
    public var worst: EvaluationSlice<ClassificationSummary>? { worst(by: metric) }

    /// The slice with the worst value of `metric` (see `worst`).
    public func worst(by metric: SliceMetric) -> EvaluationSlice<ClassificationSummary>? {
        var best: (slice: EvaluationSlice<ClassificationSummary>, value: Double)?
        for slice in slices {
            guard let v = metric.value(in: slice.summary) else { continue }
            if let current = best?.value, metric.higherIsBetter ? v >= current : v <= current { continue }
            best = (slice, v)
        }
        return best?.slice
    }
}

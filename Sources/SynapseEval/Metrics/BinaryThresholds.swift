import SynapseCore

/// True- and false-positive counts at every distinct score threshold, highest first: the shared
/// core of ROC and precision-recall curves (scikit-learn's `_binary_clf_curve`).
///
/// Examples with equal scores enter together, which is how ties get scikit-learn's semantics: a
/// tied group moves the curve diagonally, so its area counts half of the discordant pairs.
struct BinaryThresholds {
    /// Distinct scores, descending.
    let thresholds: [Double]
    /// Positives with score >= each threshold.
    let truePositives: [Double]
    /// Negatives with score >= each threshold.
    let falsePositives: [Double]

    /// Validates and sorts; `positive` selects which label counts as positive.
    init(metric: String, yTrue: [Int], scores: [Double], positive: Int = 1) throws(MetricError) {
        try MetricCheck.sameLength(metric, "yTrue", yTrue.count, "scores", scores.count)
        try MetricCheck.finite(metric, "scores", scores)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = [], tps: [Double] = [], fps: [Double] = []
        var tp = 0.0, fp = 0.0
        for (rank, i) in order.enumerated() {
            if yTrue[i] == positive { tp += 1 } else { fp += 1 }
            // Record only at the last example of each group of equal scores.
            if rank == order.count - 1 || scores[order[rank + 1]] != scores[i] {
                thresholds.append(scores[i])
                tps.append(tp)
                fps.append(fp)
            }
        }
        self.thresholds = thresholds
        truePositives = tps
        falsePositives = fps
    }

    /// Total positives.
    var positives: Double { truePositives.last ?? 0 }
    /// Total negatives.
    var negatives: Double { falsePositives.last ?? 0 }
}

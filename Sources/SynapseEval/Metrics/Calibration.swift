import SynapseCore

/// One bin of a reliability diagram: the examples whose confidence lies in (lower, upper].
public struct CalibrationBin: Sendable, Equatable, Codable {
    /// Lower edge (exclusive, except for the first bin which also takes confidence 0).
    public let lower: Double
    /// Upper edge (inclusive).
    public let upper: Double
    /// Examples in the bin.
    public let count: Int
    /// Fraction of the bin's predictions that are correct; nil for an empty bin.
    public let accuracy: Double?
    /// Mean confidence of the bin's predictions; nil for an empty bin.
    public let meanConfidence: Double?
}

/// Expected calibration error with its reliability-diagram bins.
///
/// Confidence is the predicted class's probability (binary: max(s, 1 − s), predicting 1 when s ≥ 0.5).
/// The confidences are split into `binCount` equal-width bins (m/B, (m+1)/B]; ECE = Σ (|Bₘ|/N) ·
/// |accuracy(Bₘ) − mean confidence(Bₘ)|, empty bins contributing 0. A perfectly calibrated model
/// has ECE 0; one that says 90 % and is right 60 % of the time has a large ECE.
public struct CalibrationReport: Sendable, Equatable, Codable {
    /// The expected calibration error.
    public let expectedCalibrationError: Double
    /// Largest gap |accuracy − confidence| over non-empty bins (maximum calibration error).
    public let maximumCalibrationError: Double
    /// The bins, lowest confidence first.
    public let bins: [CalibrationBin]

    /// Calibration of multiclass probabilities `[N, C]` (rows are used as given, not renormalised).
    /// - Throws: `MetricError` for mismatched lengths, empty input, labels outside the columns,
    ///   values outside [0, 1], or `binCount < 1`.
    public init(_ yTrue: some LabelSequence, classProbabilities probabilities: some ScoreMatrix, binCount: Int = 10) throws(MetricError) {
        let metric = "expected calibration error"
        let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
        let rows = try probabilities.metricRows(metric: metric, argument: "probabilities")
        _ = try MetricCheck.matrix(metric, rows, labels: t, classCount: nil)
        for row in rows { try MetricCheck.probabilities(metric, "probabilities", row) }
        let predictions = rows.map(MetricCheck.argmax)
        try self.init(metric: metric, confidences: zip(rows, predictions).map { $0[$1] },
                      correct: zip(predictions, t).map { $0 == $1 }, binCount: binCount)
    }

    /// Calibration of binary probabilities of the positive class.
    /// - Throws: `MetricError` for mismatched lengths, empty input, labels other than 0/1,
    ///   values outside [0, 1], or `binCount < 1`.
    public init(_ yTrue: some LabelSequence, probabilities: some ValueSequence, binCount: Int = 10) throws(MetricError) {
        let metric = "expected calibration error"
        let t = try yTrue.metricLabels(metric: metric, argument: "yTrue")
        let p = try probabilities.metricValues(metric: metric, argument: "probabilities")
        try MetricCheck.sameLength(metric, "yTrue", t.count, "probabilities", p.count)
        try MetricCheck.binary(metric, "yTrue", t)
        try MetricCheck.probabilities(metric, "probabilities", p)
        try self.init(metric: metric, confidences: p.map { max($0, 1 - $0) },
                      correct: zip(p, t).map { ($0 >= 0.5 ? 1 : 0) == $1 }, binCount: binCount)
    }

    private init(metric: String, confidences: [Double], correct: [Bool], binCount: Int) throws(MetricError) {
        guard binCount >= 1 else { throw .invalidParameter(metric: metric, parameter: "binCount", reason: "must be at least 1, got \(binCount)") }
        func edge(_ m: Int) -> Double { Double(m) / Double(binCount) }
        var counts = [Int](repeating: 0, count: binCount)
        var hits = [Int](repeating: 0, count: binCount)
        var confidenceSums = [Double](repeating: 0, count: binCount)
        for (conf, ok) in zip(confidences, correct) {
            // Start from the arithmetic guess, then fix it against the exact edges so that a
            // confidence equal to an edge always lands in the bin it closes.
            var m = min(max(Int((conf * Double(binCount)).rounded(.up)) - 1, 0), binCount - 1)
            while m > 0, conf <= edge(m) { m -= 1 }
            while m < binCount - 1, conf > edge(m + 1) { m += 1 }
            counts[m] += 1
            confidenceSums[m] += conf
            if ok { hits[m] += 1 }
        }
        let n = Double(confidences.count)
        var ece = 0.0, mce = 0.0
        var bins: [CalibrationBin] = []
        for m in 0..<binCount {
            guard counts[m] > 0 else {
                bins.append(CalibrationBin(lower: edge(m), upper: edge(m + 1), count: 0, accuracy: nil, meanConfidence: nil))
                continue
            }
            let acc = Double(hits[m]) / Double(counts[m])
            let conf = confidenceSums[m] / Double(counts[m])
            ece += Double(counts[m]) / n * abs(acc - conf)
            mce = max(mce, abs(acc - conf))
            bins.append(CalibrationBin(lower: edge(m), upper: edge(m + 1), count: counts[m], accuracy: acc, meanConfidence: conf))
        }
        expectedCalibrationError = ece
        maximumCalibrationError = mce
        self.bins = bins
    }
}

/// Expected calibration error of multiclass probabilities `[N, C]` (see `CalibrationReport`).
public func expectedCalibrationError(_ yTrue: some LabelSequence, classProbabilities probabilities: some ScoreMatrix,
                                     binCount: Int = 10) throws(MetricError) -> Double {
    try CalibrationReport(yTrue, classProbabilities: probabilities, binCount: binCount).expectedCalibrationError
}

/// Expected calibration error of binary probabilities of the positive class (see `CalibrationReport`).
public func expectedCalibrationError(_ yTrue: some LabelSequence, probabilities: some ValueSequence,
                                     binCount: Int = 10) throws(MetricError) -> Double {
    try CalibrationReport(yTrue, probabilities: probabilities, binCount: binCount).expectedCalibrationError
}

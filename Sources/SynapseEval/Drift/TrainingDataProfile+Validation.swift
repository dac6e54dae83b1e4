/// One broken invariant of a profile: the field (a path such as `features[2].bin_edges`) and why.
struct ProfileProblem: Error {
    let field: String
    let reason: String
}

extension TrainingDataProfile {
    /// Tolerance on "fractions sum to 1": a written profile is exact to a few ulps; a hand-edited
    /// one with rounded decimals is accepted if it is this close.
    static let fractionSumTolerance = 1e-6

    /// Checks every invariant `DriftMonitor` and the statistics rely on.
    func validate() throws(ProfileProblem) {
        typealias Limits = TrainingDataProfileLimits
        guard !features.isEmpty else { throw ProfileProblem(field: "features", reason: "is empty") }
        guard features.count <= Limits.maxFeatures else {
            throw ProfileProblem(field: "features", reason: "\(features.count) features is more than the limit of \(Limits.maxFeatures)")
        }
        guard rowCount >= 1, rowCount <= Limits.maxCount else {
            throw ProfileProblem(field: "row_count", reason: "\(rowCount) is outside 1...\(Limits.maxCount)")
        }
        var names = Set<String>()
        for (i, feature) in features.enumerated() {
            let field = "features[\(i)]"
            guard !feature.name.isEmpty else { throw ProfileProblem(field: "\(field).name", reason: "is empty") }
            guard names.insert(feature.name).inserted else {
                throw ProfileProblem(field: "\(field).name", reason: "'\(feature.name)' appears twice")
            }
            try feature.validate(field: field, rowCount: rowCount)
        }
        try predictions.validate(rowCount: rowCount)
    }
}

extension PredictionProfile {
    /// Checks that the fields of `kind` are present and consistent.
    func validate(rowCount: Int) throws(ProfileProblem) {
        switch kind {
        case .classes:
            guard let names = classNames, let frequencies = classFrequencies else {
                throw ProfileProblem(field: "predictions", reason: "kind 'classes' needs class_names and class_frequencies")
            }
            guard !names.isEmpty, names.count <= TrainingDataProfileLimits.maxClasses else {
                throw ProfileProblem(field: "predictions.class_names",
                                     reason: "\(names.count) classes is outside 1...\(TrainingDataProfileLimits.maxClasses)")
            }
            guard frequencies.count == names.count else {
                throw ProfileProblem(field: "predictions.class_frequencies",
                                     reason: "has \(frequencies.count) entries for \(names.count) class names")
            }
            try checkFractions(frequencies, field: "predictions.class_frequencies")
        case .values:
            guard let values else {
                throw ProfileProblem(field: "predictions", reason: "kind 'values' needs a 'values' profile")
            }
            try values.validate(field: "predictions.values", rowCount: rowCount)
        }
    }
}

extension FeatureProfile {
    /// Checks one column's bins, statistics and reference sample.
    func validate(field: String, rowCount: Int) throws(ProfileProblem) {
        typealias Limits = TrainingDataProfileLimits
        guard binEdges.count < Limits.maxBins else {
            throw ProfileProblem(field: "\(field).bin_edges", reason: "\(binEdges.count) edges is more than the limit of \(Limits.maxBins - 1)")
        }
        for (i, edge) in binEdges.enumerated() {
            guard edge.isFinite else { throw ProfileProblem(field: "\(field).bin_edges[\(i)]", reason: "is not finite") }
            guard i == 0 || edge > binEdges[i - 1] else {
                throw ProfileProblem(field: "\(field).bin_edges[\(i)]", reason: "\(edge) does not exceed the previous edge \(binEdges[i - 1]); edges must strictly increase")
            }
        }
        guard binFractions.count == binEdges.count + 1 else {
            throw ProfileProblem(field: "\(field).bin_fractions", reason: "has \(binFractions.count) entries for \(binEdges.count) edges (expected \(binEdges.count + 1))")
        }
        try checkFractions(binFractions, field: "\(field).bin_fractions")
        guard count >= 1, count <= rowCount else {
            throw ProfileProblem(field: "\(field).count", reason: "\(count) is outside 1...\(rowCount) (the row count)")
        }
        guard nonFiniteCount >= 0, nonFiniteCount <= rowCount - count else {
            throw ProfileProblem(field: "\(field).non_finite_count", reason: "\(nonFiniteCount) is outside 0...\(rowCount - count)")
        }
        let statistics: [(String, Double)] = [("mean", mean), ("std", std), ("min", min), ("max", max)]
            + zip(["p01", "p05", "p25", "p50", "p75", "p95", "p99"], quantiles.all).map { ("quantiles.\($0)", $1) }
        for (name, value) in statistics where !value.isFinite {
            throw ProfileProblem(field: "\(field).\(name)", reason: "is not finite")
        }
        guard std >= 0, min <= max else {
            throw ProfileProblem(field: field, reason: "std must be ≥ 0 and min ≤ max (std \(std), min \(min), max \(max))")
        }
        guard KolmogorovSmirnov.isSorted(quantiles.all) else {
            throw ProfileProblem(field: "\(field).quantiles", reason: "must not decrease from p01 to p99")
        }
        guard !referenceSample.isEmpty, referenceSample.count <= Swift.min(count, Limits.maxReferenceSize) else {
            throw ProfileProblem(field: "\(field).reference_sample",
                                 reason: "has \(referenceSample.count) values, expected 1...\(Swift.min(count, Limits.maxReferenceSize))")
        }
        if let bad = referenceSample.firstIndex(where: { !$0.isFinite }) {
            throw ProfileProblem(field: "\(field).reference_sample[\(bad)]", reason: "is not finite")
        }
        guard KolmogorovSmirnov.isSorted(referenceSample) else {
            throw ProfileProblem(field: "\(field).reference_sample", reason: "is not sorted ascending")
        }
    }
}

/// Fractions are each in [0, 1] and sum to 1 within `TrainingDataProfile.fractionSumTolerance`.
private func checkFractions(_ fractions: [Double], field: String) throws(ProfileProblem) {
    if let bad = fractions.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
        throw ProfileProblem(field: "\(field)[\(bad)]", reason: "\(fractions[bad]) is not a fraction in [0, 1]")
    }
    let sum = fractions.reduce(0, +)
    guard abs(sum - 1) <= TrainingDataProfile.fractionSumTolerance else {
        throw ProfileProblem(field: field, reason: "sums to \(sum), expected 1")
    }
}

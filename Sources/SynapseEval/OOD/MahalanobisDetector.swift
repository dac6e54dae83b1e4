import Foundation

/// Mahalanobis out-of-distribution detection on a classifier's penultimate features (Lee et al.
/// 2018, "A Simple Unified Framework for Detecting Out-of-Distribution Samples and Adversarial
/// Attacks"): class means and one covariance shared by the classes, fitted on training data (as
/// scikit-learn's `EmpiricalCovariance` of the class-centred features); an input's score is minus
/// its smallest squared Mahalanobis distance to a class mean, so that, like every `OODScore`,
/// higher means more in-distribution.
///
/// Feature dimensions whose training variance is zero (ReLU units that never fire) carry no
/// covariance: they are left out, as a pseudo-inverse would do, instead of getting an infinite
/// precision. A ridge of 10⁻⁸ × the mean variance keeps the factorisation stable (raised tenfold
/// until it succeeds, when features are nearly collinear).
///
/// ```swift
/// let detector = try MahalanobisDetector.fit(features: trainFeatures, labels: trainLabels, classCount: 10)
/// let scores = try detector.scores(testFeatures)   // −min_c (f − μ_c)ᵀ Σ⁻¹ (f − μ_c)
/// ```
public struct MahalanobisDetector: Sendable, Equatable, Codable {
    /// The feature width.
    public let featureCount: Int
    /// The dimensions used (those with variance on the training data), ascending.
    public let keptDimensions: [Int]
    /// The class means over `keptDimensions`, one row per class.
    public let classMeans: [[Double]]
    /// The ridge added to the shared covariance's diagonal.
    public let ridge: Double
    /// The Cholesky factor of the (ridged) shared covariance over `keptDimensions`.
    let covarianceFactor: CholeskyFactor
    /// L⁻¹ μ_c per class, so that a score costs one forward substitution.
    let whitenedMeans: [[Double]]

    /// The classes.
    public var classCount: Int { classMeans.count }

    /// Fits class means and the shared covariance Σ = 1/N Σᵢ (fᵢ − μ_yᵢ)(fᵢ − μ_yᵢ)ᵀ.
    /// - Parameters:
    ///   - features: one row of penultimate features per training example, all of one width.
    ///   - labels: the class of each row, in `0..<classCount`; every class needs an example.
    /// - Throws: `OODError.invalidData` for empty, mismatched, non-finite or degenerate input.
    public static func fit(features: [[Float]], labels: [Int], classCount: Int) throws(OODError) -> MahalanobisDetector {
        guard classCount >= 1 else { throw .invalidParameters("classCount must be positive, got \(classCount)") }
        guard !features.isEmpty, features.count == labels.count else {
            throw .invalidData("Mahalanobis fit needs as many labels as feature rows, got \(features.count) rows and \(labels.count) labels")
        }
        let d = features[0].count
        guard d > 0 else { throw .invalidData("Mahalanobis fit: feature rows are empty") }
        var counts = [Int](repeating: 0, count: classCount)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: classCount)
        for (row, label) in zip(features, labels) {
            guard row.count == d else { throw .invalidData("Mahalanobis fit: feature rows have \(d) and \(row.count) values") }
            guard (0..<classCount).contains(label) else { throw .invalidData("Mahalanobis fit: label \(label) is outside 0..<\(classCount)") }
            guard row.allSatisfy(\.isFinite) else { throw .invalidData("Mahalanobis fit: non-finite feature values") }
            counts[label] += 1
            for j in 0..<d { sums[label][j] += Double(row[j]) }
        }
        if let missing = counts.firstIndex(of: 0) {
            throw .invalidData("Mahalanobis fit: class \(missing) has no training example (every class needs a mean)")
        }
        let means = zip(sums, counts).map { sum, n in sum.map { $0 / Double(n) } }
        // The shared covariance's upper triangle, accumulated in Double over class-centred rows.
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        covariance.withUnsafeMutableBufferPointer { c in
            for (row, label) in zip(features, labels) {
                for j in 0..<d { centred[j] = Double(row[j]) - means[label][j] }
                for i in 0..<d {
                    let ci = centred[i]
                    if ci == 0 { continue }
                    let base = i * d
                    for j in i..<d { c[base + j] += ci * centred[j] }
                }
            }
        }
        let n = Double(features.count)
        let variances = (0..<d).map { covariance[$0 * d + $0] / n }
        let largest = variances.max() ?? 0
        let kept = (0..<d).filter { variances[$0] > largest * 1e-12 && variances[$0] > 0 }
        guard !kept.isEmpty else { throw .invalidData("Mahalanobis fit: the features do not vary on the training data") }
        let k = kept.count
        var reduced = [Double](repeating: 0, count: k * k)
        for (a, i) in kept.enumerated() {
            for (b, j) in kept.enumerated() {
                reduced[a * k + b] = covariance[min(i, j) * d + max(i, j)] / n
            }
        }
        let meanVariance = kept.reduce(0) { $0 + variances[$1] } / Double(k)
        var ridge = meanVariance * 1e-8
        var factor: CholeskyFactor?
        while factor == nil, ridge <= meanVariance {
            var ridged = reduced
            for a in 0..<k { ridged[a * k + a] += ridge }
            factor = CholeskyFactor(symmetric: ridged, size: k)
            if factor == nil { ridge *= 10 }
        }
        guard let factor else { throw .invalidData("Mahalanobis fit: the shared covariance is not positive definite") }
        let keptMeans = means.map { mean in kept.map { mean[$0] } }
        return MahalanobisDetector(featureCount: d, keptDimensions: kept, classMeans: keptMeans, ridge: ridge,
                                   covarianceFactor: factor, whitenedMeans: keptMeans.map(factor.solveLower))
    }

    private init(featureCount: Int, keptDimensions: [Int], classMeans: [[Double]], ridge: Double, covarianceFactor: CholeskyFactor,
                 whitenedMeans: [[Double]]) {
        self.featureCount = featureCount
        self.keptDimensions = keptDimensions
        self.classMeans = classMeans
        self.ridge = ridge
        self.covarianceFactor = covarianceFactor
        self.whitenedMeans = whitenedMeans
    }

    /// The smallest squared Mahalanobis distance of each row to a class mean, and that class.
    /// - Throws: `OODError.invalidData` for rows of another width or with non-finite values.
    public func distances(_ features: [[Float]]) throws(OODError) -> [(distance: Double, nearestClass: Int)] {
        var result: [(distance: Double, nearestClass: Int)] = []
        result.reserveCapacity(features.count)
        for row in features {
            guard row.count == featureCount else {
                throw .invalidData("Mahalanobis scores: rows have \(row.count) features, the detector was fitted on \(featureCount)")
            }
            guard row.allSatisfy(\.isFinite) else { throw .invalidData("Mahalanobis scores: non-finite feature values") }
            let whitened = covarianceFactor.solveLower(keptDimensions.map { Double(row[$0]) })
            var best = (distance: Double.infinity, nearestClass: 0)
            for (c, mean) in whitenedMeans.enumerated() {
                var sum = 0.0
                for j in 0..<whitened.count { let diff = whitened[j] - mean[j]; sum += diff * diff }
                if sum < best.distance { best = (sum, c) }
            }
            result.append(best)
        }
        return result
    }

    /// The `OODScore.mahalanobis` of each row: minus its smallest squared distance to a class mean.
    /// - Throws: `OODError.invalidData` for rows of another width or with non-finite values.
    public func scores(_ features: [[Float]]) throws(OODError) -> [Double] {
        try distances(features).map { -$0.distance }
    }
}

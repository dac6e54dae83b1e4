/// Why feature statistics or a Fréchet distance could not be computed.
public enum FrechetDistanceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Fewer than two feature rows: the unbiased covariance divides by n − 1.
    case tooFewSamples(count: Int)
    /// Feature rows with no values.
    case emptyFeatures
    /// A row whose width differs from the first row's.
    case raggedRows(row: Int, width: Int, expected: Int)
    /// A NaN or infinite feature value, at its row and column.
    case nonFinite(row: Int, column: Int)
    /// Two feature sets or statistics of different widths.
    case dimensionMismatch(Int, Int)
    /// Precomputed statistics that do not make a Gaussian (sizes that disagree, non-finite values).
    case invalidStatistics(String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .tooFewSamples(let count):
            "Fréchet distance: feature statistics need at least 2 rows (the covariance divides by n − 1), got \(count)"
        case .emptyFeatures:
            "Fréchet distance: the feature rows are empty"
        case .raggedRows(let row, let width, let expected):
            "Fréchet distance: feature row \(row) has \(width) values, the first row has \(expected)"
        case .nonFinite(let row, let column):
            "Fréchet distance: feature row \(row), column \(column) is not finite"
        case .dimensionMismatch(let first, let second):
            "Fréchet distance: the feature sets have \(first) and \(second) dimensions; both must come from the same feature extractor"
        case .invalidStatistics(let reason):
            "Fréchet distance: invalid feature statistics: \(reason)"
        }
    }
}

/// The mean and covariance of a set of feature vectors: the Gaussian a Fréchet distance compares.
///
/// Computing them once lets a reference set (the training data's features) be compared with many
/// sample sets without recomputing its covariance, as FID implementations cache theirs.
public struct FeatureStatistics: Sendable, Equatable {
    /// The mean feature vector μ.
    public let mean: [Double]
    /// The covariance Σ, row-major `dimension × dimension`, unbiased (divided by `count − 1`, as
    /// NumPy's `np.cov(features, rowvar=False)` and pytorch-fid).
    public let covariance: [Double]
    /// The feature width D.
    public let dimension: Int
    /// The number of feature rows the statistics were computed from.
    public let count: Int

    /// The statistics of `features`, one row per sample, accumulated in Double (float32 sums over
    /// thousands of rows would lose the digits the distance's cancellations need).
    /// - Throws: `FrechetDistanceError` for fewer than 2 rows, empty or ragged rows, or non-finite values.
    public init(features: [[Float]]) throws(FrechetDistanceError) {
        guard features.count >= 2 else { throw .tooFewSamples(count: features.count) }
        let d = features[0].count
        guard d > 0 else { throw .emptyFeatures }
        var sum = [Double](repeating: 0, count: d)
        for (r, row) in features.enumerated() {
            guard row.count == d else { throw .raggedRows(row: r, width: row.count, expected: d) }
            for j in 0..<d {
                guard row[j].isFinite else { throw .nonFinite(row: r, column: j) }
                sum[j] += Double(row[j])
            }
        }
        let n = Double(features.count)
        let mean = sum.map { $0 / n }
        // Two passes, centring before the products: the one-pass Σxxᵀ − n·μμᵀ cancels catastrophically
        // for features whose mean is large next to their spread (post-ReLU activations often are).
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        covariance.withUnsafeMutableBufferPointer { c in
            for row in features {
                for j in 0..<d { centred[j] = Double(row[j]) - mean[j] }
                for i in 0..<d {
                    let ci = centred[i]
                    if ci == 0 { continue }
                    for j in i..<d { c[i * d + j] += ci * centred[j] }
                }
            }
            for i in 0..<d {
                for j in i..<d {
                    let value = c[i * d + j] / (n - 1)
                    c[i * d + j] = value
                    c[j * d + i] = value
                }
            }
        }
        self.mean = mean
        self.covariance = covariance
        dimension = d
        count = features.count
    }

    /// Statistics computed elsewhere (a reference set's stored μ and Σ). Only Σ's symmetric part is
    /// used; it should be positive semi-definite, as every covariance is (negative eigenvalues from
    /// rounding are treated as 0).
    /// - Parameters:
    ///   - covariance: row-major `mean.count × mean.count`.
    ///   - count: the rows they were computed from (at least 2).
    /// - Throws: `FrechetDistanceError` for sizes that disagree, non-finite values or `count` < 2.
    public init(mean: [Double], covariance: [Double], count: Int) throws(FrechetDistanceError) {
        guard count >= 2 else { throw .tooFewSamples(count: count) }
        guard !mean.isEmpty else { throw .emptyFeatures }
        let d = mean.count
        guard covariance.count == d * d else {
            throw .invalidStatistics("a mean of \(d) values needs a \(d)×\(d) covariance (\(d * d) values), got \(covariance.count)")
        }
        if let i = mean.firstIndex(where: { !$0.isFinite }) { throw .invalidStatistics("mean[\(i)] is not finite") }
        if let i = covariance.firstIndex(where: { !$0.isFinite }) {
            throw .invalidStatistics("covariance[\(i / d)][\(i % d)] is not finite")
        }
        self.mean = mean
        self.covariance = covariance
        dimension = d
        self.count = count
    }
}

/// The Fréchet distance between the Gaussians fitted to two sets of feature vectors:
///
///     d² = ‖μa − μb‖² + Tr(Σa) + Tr(Σb) − 2·Tr((Σa Σb)^½)
///
/// This is the formula of the Fréchet Inception Distance (Heusel et al. 2017, "GANs Trained by a
/// Two Time-Scale Update Rule Converge to a Local Nash Equilibrium"), applied to whatever features it
/// is given: on a classifier's penultimate features it measures how far a generative model's samples
/// are from the real data, lower being better, 0 for identical statistics. It is the FID only on
/// Inception-v3 pool features; on other features its values are not comparable with published FIDs.
/// Even between two runs, numbers are comparable only on the same feature extractor and the same
/// sample counts: the estimate is biased upwards, the more so the fewer the samples.
///
/// ```swift
/// let reference = try FeatureStatistics(features: realFeatures)
/// let fd = try FrechetDistance.distance(reference, try FeatureStatistics(features: sampleFeatures))
/// ```
public enum FrechetDistance {
    /// The squared Fréchet distance d² between two feature statistics (the value FID reports, not
    /// its square root), clamped at 0 against rounding.
    ///
    /// The trace term is computed without a general matrix square root: Σa Σb is similar to the
    /// symmetric positive semi-definite S = Σa^½ Σb Σa^½, so Tr((Σa Σb)^½) = Σᵢ √λᵢ(S). Symmetric
    /// eigenvalues are real and well conditioned, where `scipy.linalg.sqrtm` of the non-symmetric
    /// product (pytorch-fid's route) picks up imaginary rounding noise when a covariance is singular
    /// (fewer samples than dimensions). It costs two Jacobi eigendecompositions of D × D matrices:
    /// milliseconds at D = 64, about 8 s at D = 512 (see `SymmetricEigendecomposition`).
    /// - Throws: `FrechetDistanceError.dimensionMismatch` for statistics of different widths.
    public static func distance(_ a: FeatureStatistics, _ b: FeatureStatistics) throws(FrechetDistanceError) -> Double {
        guard a.dimension == b.dimension else { throw .dimensionMismatch(a.dimension, b.dimension) }
        let d = a.dimension
        var meanTerm = 0.0, traces = 0.0
        for i in 0..<d {
            let difference = a.mean[i] - b.mean[i]
            meanTerm += difference * difference
            traces += a.covariance[i * d + i] + b.covariance[i * d + i]
        }
        let crossTerm = traceOfSquareRootProduct(a.covariance, b.covariance, size: d)
        let value = meanTerm + traces - 2 * crossTerm
        // `max(0, .nan)` is 0 in Swift: a non-finite result must not read as a perfect match.
        guard value.isFinite else { throw .invalidStatistics("the distance is not finite (\(value))") }
        return max(0, value)
    }

    /// The squared Fréchet distance between the statistics of two feature sets (one row per sample).
    /// - Throws: `FrechetDistanceError` for fewer than 2 rows, empty, ragged or non-finite rows, or
    ///   sets of different widths.
    public static func distance(_ a: [[Float]], _ b: [[Float]]) throws(FrechetDistanceError) -> Double {
        let statisticsA = try FeatureStatistics(features: a)
        let statisticsB = try FeatureStatistics(features: b)
        return try distance(statisticsA, statisticsB)
    }

    /// Tr((Σa Σb)^½) = Σᵢ √max(λᵢ, 0) over the eigenvalues λ of Σa^½ Σb Σa^½, for row-major
    /// `size × size` covariances.
    ///
    /// With Σa = V Λ Vᵀ (eigenvalues clamped at 0) and W = V Λ^½, Σa^½ Σb Σa^½ = V (Wᵀ Σb W) Vᵀ, so
    /// the k × k matrix Wᵀ Σb W over the k positive eigenvalues has the same nonzero eigenvalues:
    /// forming it skips Σa^½ and shrinks the second eigenproblem when Σa is singular.
    static func traceOfSquareRootProduct(_ sa: [Double], _ sb: [Double], size n: Int) -> Double {
        let eigenA = SymmetricEigendecomposition(symmetric: sa, size: n)
        let kept = (0..<n).filter { eigenA.values[$0] > 0 }
        let k = kept.count
        guard k > 0 else { return 0 }
        // W (n × k): the eigenvectors of the kept eigenvalues, scaled by their square roots.
        var w = [Double](repeating: 0, count: n * k)
        for (column, j) in kept.enumerated() {
            let root = eigenA.values[j].squareRoot()
            for i in 0..<n { w[i * k + column] = eigenA.vectors[i * n + j] * root }
        }
        // M = Σb W (n × k), then S = Wᵀ M (k × k), both row by row so the inner loops run contiguously.
        var m = [Double](repeating: 0, count: n * k)
        for i in 0..<n {
            for l in 0..<n {
                let sbil = sb[i * n + l]
                if sbil == 0 { continue }
                for c in 0..<k { m[i * k + c] += sbil * w[l * k + c] }
            }
        }
        var s = [Double](repeating: 0, count: k * k)
        for l in 0..<n {
            for r in 0..<k {
                let wlr = w[l * k + r]
                if wlr == 0 { continue }
                for c in 0..<k { s[r * k + c] += wlr * m[l * k + c] }
            }
        }
        let eigenS = SymmetricEigendecomposition(symmetric: s, size: k, computeVectors: false)
        return eigenS.values.reduce(0) { $0 + max($1, 0).squareRoot() }
    }
}

import SynapseCore

/// What a training run records about one numeric column (an input feature, or a regressor's
/// predicted values): quantile bins with the training fraction in each, summary statistics, and a
/// sorted reference sample for the Kolmogorov-Smirnov statistic.
public struct FeatureProfile: Codable, Sendable, Equatable {
    /// The feature's name (the input schema's column name).
    public internal(set) var name: String
    /// Interior bin edges, strictly increasing: the deciles (or `bins`-quantiles) of the training
    /// values with repeats removed. Bin `i` is [edges[i−1], edges[i]); the first and last bins are
    /// open-ended, so every live value falls into some bin.
    public internal(set) var binEdges: [Double]
    /// The fraction of the finite training values in each bin (`binEdges.count + 1` entries, summing to 1).
    public internal(set) var binFractions: [Double]
    /// The number of finite training values.
    public internal(set) var count: Int
    /// The number of training values skipped because they were NaN or infinite.
    public internal(set) var nonFiniteCount: Int
    /// The mean of the finite training values.
    public internal(set) var mean: Double
    /// The population standard deviation (divisor n) of the finite training values.
    public internal(set) var std: Double
    /// The smallest finite training value.
    public internal(set) var min: Double
    /// The largest finite training value.
    public internal(set) var max: Double
    /// Selected quantiles of the finite training values.
    public internal(set) var quantiles: FeatureQuantiles
    /// At most `referenceSize` finite training values, sorted ascending: all of them, or a seeded
    /// uniform subsample without replacement when there are more.
    public internal(set) var referenceSample: [Double]

    /// The bin of `value` (NaN has none and returns nil).
    public func bin(of value: Double) -> Int? {
        value.isNaN ? nil : EmpiricalQuantiles.bin(of: value, edges: binEdges)
    }

    /// Profiles `values` (non-finite ones are skipped and counted).
    ///
    /// - Throws: `DriftProfileError.invalidInput` when no value is finite.
    package init(name: String, values: [Double], bins: Int, referenceSize: Int,
                 generator: RandomGenerator) throws(DriftProfileError) {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else {
            throw .invalidInput(reason: "feature '\(name)' has no finite value among its \(values.count)")
        }
        self.name = name
        count = sorted.count
        nonFiniteCount = values.count - sorted.count
        binEdges = EmpiricalQuantiles.interiorEdges(sorted, bins: bins)
        var binCounts = Array(repeating: 0, count: binEdges.count + 1)
        for v in sorted { binCounts[EmpiricalQuantiles.bin(of: v, edges: binEdges)] += 1 }
        binFractions = PopulationStability.fractions(binCounts)
        let n = Double(sorted.count)
        mean = sorted.reduce(0, +) / n
        let meanValue = mean
        std = (sorted.reduce(0) { $0 + ($1 - meanValue) * ($1 - meanValue) } / n).squareRoot()
        min = sorted[0]
        max = sorted[sorted.count - 1]
        quantiles = FeatureQuantiles(sorted)
        referenceSample = Self.subsample(sorted, size: referenceSize, generator: generator)
    }

    /// `size` elements of ascending `sorted` drawn uniformly without replacement (a partial
    /// Fisher–Yates shuffle), sorted again; all of `sorted` when it is no longer than `size`.
    private static func subsample(_ sorted: [Double], size: Int, generator: RandomGenerator) -> [Double] {
        guard sorted.count > size else { return sorted }
        var pool = sorted
        var rng = generator
        for i in 0..<size { pool.swapAt(i, Int.random(in: i..<pool.count, using: &rng)) }
        return pool[0..<size].sorted()
    }
}

/// Quantiles of a feature's training values (linear interpolation, NumPy's default).
public struct FeatureQuantiles: Codable, Sendable, Equatable {
    /// The 1st percentile.
    public internal(set) var p01: Double
    /// The 5th percentile.
    public internal(set) var p05: Double
    /// The 25th percentile (first quartile).
    public internal(set) var p25: Double
    /// The median.
    public internal(set) var p50: Double
    /// The 75th percentile (third quartile).
    public internal(set) var p75: Double
    /// The 95th percentile.
    public internal(set) var p95: Double
    /// The 99th percentile.
    public internal(set) var p99: Double

    /// The quantiles of ascending, non-empty `sorted`.
    package init(_ sorted: [Double]) {
        func q(_ p: Double) -> Double { EmpiricalQuantiles.quantile(sorted, p) }
        p01 = q(0.01); p05 = q(0.05); p25 = q(0.25); p50 = q(0.5); p75 = q(0.75); p95 = q(0.95); p99 = q(0.99)
    }

    /// All seven, in increasing order of level.
    public var all: [Double] { [p01, p05, p25, p50, p75, p95, p99] }
}

import SynapseCore

/// A histogram in TensorBoard's `HistogramProto` form: summary statistics plus equal-width buckets,
/// each given by its right edge (`bucketLimits`) and its count.
///
/// TensorBoard takes the first bucket's left edge to be `min` and the last bucket's right edge to be
/// `max`. Non-finite values (NaN, ±infinity) are left out so one diverged weight does not hide the
/// shape of all the others; `nonFiniteCount` says how many were dropped.
public struct TensorBoardHistogram: Sendable, Equatable {
    /// Smallest finite value (0 when there is none).
    public let min: Double
    /// Largest finite value (0 when there is none).
    public let max: Double
    /// Number of finite values.
    public let count: Int
    /// Sum of the finite values.
    public let sum: Double
    /// Sum of their squares.
    public let sumOfSquares: Double
    /// Right edge of each bucket (the last is `max`).
    public let bucketLimits: [Double]
    /// Number of values in each bucket.
    public let bucketCounts: [Double]
    /// Number of NaN or infinite values left out.
    public let nonFiniteCount: Int

    /// Bins `values` into `bins` equal-width buckets between their minimum and maximum (one bucket
    /// when all values are equal, none when there are no finite values).
    public init(_ values: [Float], bins: Int = 30) {
        require(bins >= 1, "TensorBoardHistogram: bins must be at least 1, got \(bins)")
        let finite = values.lazy.filter { $0.isFinite }.map(Double.init)
        var lo = Double.infinity, hi = -Double.infinity, s = 0.0, s2 = 0.0, n = 0
        for v in finite {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            s += v
            s2 += v * v
            n += 1
        }
        nonFiniteCount = values.count - n
        count = n
        sum = s
        sumOfSquares = s2
        guard n > 0 else {
            min = 0; max = 0; bucketLimits = []; bucketCounts = []
            return
        }
        min = lo
        max = hi
        let k = hi > lo ? bins : 1
        let width = (hi - lo) / Double(k)
        var counts = [Double](repeating: 0, count: k)
        for v in finite {
            // The top value belongs to the last bucket, not one past it.
            let i = width > 0 ? Swift.min(Int((v - lo) / width), k - 1) : 0
            counts[i] += 1
        }
        bucketCounts = counts
        bucketLimits = (1...k).map { $0 == k ? hi : lo + Double($0) * width }
    }
}

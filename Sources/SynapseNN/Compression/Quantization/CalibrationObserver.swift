import Foundation
import SynapseCore

/// How a calibration observer turns what it saw into a clipping range.
///
/// The raw values are the names ONNX Runtime's `CalibrationMethod` and Synapse's configuration files
/// use.
public enum CalibrationMethod: String, Sendable, CaseIterable, Codable {
    /// The running minimum and maximum (PyTorch `MinMaxObserver`): nothing is clipped, so one
    /// outlier widens the range for every other value.
    case minMax = "minmax"
    /// ONNX Runtime's `PercentileCalibrater` with `symmetric=False` (ORT's default is symmetric, a
    /// range of ±the |x| percentile; activations after a ReLU would waste half the integers on
    /// it): a histogram, cut `(100 - p) / 2` % of the values on each side.
    case percentile
    /// ONNX Runtime's `EntropyCalibrater`: a histogram, and the range whose 128-level quantization
    /// loses least information (minimum KL divergence, TensorRT's method).
    case entropy
}

/// Collects the values a tensor takes over calibration batches and picks the range to quantize it to.
///
/// `.minMax` keeps only the running minimum and maximum. `.percentile` and `.entropy` reproduce ONNX
/// Runtime 1.32's `HistogramCollector` (`collect_value`, `merge_histogram`, `compute_percentile`,
/// `get_entropy_threshold`) operation by operation, in the same float32 arithmetic, so the ranges
/// equal ORT's up to float rounding:
/// - the first batch fixes a histogram of `bins` equal bins over `(-t, t)`, `t` the batch's largest
///   magnitude, placed exactly as `np.histogram` places values (half-open bins, the last one closed);
/// - a later batch that fits inside adds its counts; one that does not widens the histogram by whole
///   bins of the same width on both sides (ORT's merge), so the bin count grows with the ratio of the
///   final range to the first batch's (memory is the histogram only, never the values). Past 16
///   times `bins` the histogram is re-binned to 16 × `bins` bins over the new range instead (ORT
///   would keep growing), which bounds memory and the entropy search;
/// - the range is read off the bin edges and clipped to the minimum and maximum seen.
///
/// The entropy search evaluates the KL divergence of every symmetric window of at least
/// `quantizedBins` bins around zero, work quadratic in the final bin count, spread over the shared
/// thread pool: on one core in release builds about 15–30 ms for 2048 to 4096 bins, 0.4 s for
/// 16,384 and 1.5–2.5 s at the 32,768-bin limit.
///
/// NaN values are skipped (like `np.nanmin`/`np.nanmax`, and `np.histogram` drops them). The histogram
/// methods also skip ±infinity, which ORT rejects with an error; when a tensor showed nothing but
/// infinities, `range()` returns those infinite bounds so callers can report it.
public struct CalibrationObserver: Sendable {
    /// How the range is chosen.
    public let method: CalibrationMethod
    /// `.percentile`: the share of values (in %) kept inside the range, half of the rest cut on each
    /// side. ORT's default is 99.999.
    public let percentile: Double
    /// `.percentile` and `.entropy`: the histogram's bin count for the first batch (it grows when a
    /// later batch is wider). ORT's default for entropy is 128, which with 128 quantized bins leaves
    /// one candidate window, the whole histogram, so entropy calibration degenerates to min/max; 2048
    /// (ORT's percentile default, TensorRT's 2048 for entropy) gives the search room.
    public let bins: Int
    /// `.entropy`: the number of quantization levels each candidate window is compressed to (128, as
    /// ORT and TensorRT use for 8 bits).
    public let quantizedBins: Int

    /// Minimum and maximum of the non-NaN values seen (infinities included).
    private var minValue: Float = .infinity
    private var maxValue: Float = -.infinity
    /// Non-NaN values seen.
    private var seen = 0
    /// The histogram methods' state, nil until a batch with a finite value arrives.
    private var histogram: Histogram?

    /// An observer that picks its range with `method`.
    public init(method: CalibrationMethod, percentile: Double = 99.999, bins: Int = 2048, quantizedBins: Int = 128) {
        require(percentile > 0 && percentile <= 100, "CalibrationObserver: percentile must be in (0, 100], got \(percentile)")
        require(bins >= 2, "CalibrationObserver: bins must be at least 2, got \(bins)")
        require(quantizedBins >= 1, "CalibrationObserver: quantizedBins must be at least 1, got \(quantizedBins)")
        // ORT's search starts at a window of quantizedBins bins; a smaller histogram has no window at all.
        require(method != .entropy || bins >= quantizedBins,
                "CalibrationObserver: entropy needs bins (\(bins)) >= quantizedBins (\(quantizedBins))")
        self.method = method
        self.percentile = percentile
        self.bins = bins
        self.quantizedBins = quantizedBins
    }

    /// Adds the values of `x` (any shape, read in row-major order) as one calibration batch.
    public mutating func observe(_ x: Tensor) {
        x.withUnsafeBufferPointer { observe($0) }
    }

    /// Adds `values` as one calibration batch. The histogram methods treat each call as one batch,
    /// as ORT treats each inference run: the first call's range fixes the bin width.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        // One pass for the batch's statistics: all non-NaN values, and the finite ones the histogram takes.
        var lo = Float.infinity, hi = -Float.infinity, count = 0
        var finiteLo = Float.infinity, finiteHi = -Float.infinity, finiteCount = 0
        for v in values where !v.isNaN {
            count += 1
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            if v.isFinite {
                finiteCount += 1
                finiteLo = Swift.min(finiteLo, v)
                finiteHi = Swift.max(finiteHi, v)
            }
        }
        guard count > 0 else { return }
        seen += count
        minValue = Swift.min(minValue, lo)
        maxValue = Swift.max(maxValue, hi)
        guard method != .minMax, finiteCount > 0 else { return }
        if histogram == nil {
            histogram = Histogram(first: values, bins: bins, min: finiteLo, max: finiteHi)
        } else {
            histogram!.merge(values, min: finiteLo, max: finiteHi)
        }
    }

    /// The number of values observed so far, NaN not counted.
    public var observedCount: Int { seen }

    /// The clipping range (min, max) after everything observed; nil when nothing was observed.
    public func range() -> (min: Float, max: Float)? {
        guard seen > 0 else { return nil }
        switch method {
        case .minMax:
            return (minValue, maxValue)
        case .percentile:
            return histogram.map { $0.percentileRange(percentile) } ?? (minValue, maxValue)
        case .entropy:
            return histogram.map { $0.entropyRange(quantizedBins: quantizedBins) } ?? (minValue, maxValue)
        }
    }
}

// MARK: - ORT's histogram

/// ONNX Runtime's histogram of one tensor: `(hist, hist_edges, min, max, threshold)`.
///
/// Everything is float32 where NumPy computes in float32 (the edges, the bin placement, the merge's
/// growth), so the counts equal ORT's exactly.
private struct Histogram: Sendable {
    /// ORT's merge grows the bin count in proportion to the range (a first batch of range 1e-3 and a
    /// later one of range 10 would ask for 20 million bins, and the entropy search is quadratic in
    /// them). A merge that would pass this many times the first batch's bin count (a range about 16
    /// times the first batch's) re-bins instead: that many bins over the new batch's range, the old
    /// counts placed at their bin centres. This is the one place where the result departs from
    /// ORT's: percentile ranges by about a bin, entropy ranges by much more, because the entropy
    /// search's windows are counted in bins and so depend on the bin width.
    static let growthLimit = 16

    /// Counts per bin.
    var counts: [Int]
    /// The bin edges, `counts.count + 1` of them, as `np.linspace(first, last, n + 1, dtype=float32)`.
    var edges: [Float]
    /// ORT's threshold: the histogram covers `(-threshold, threshold)`, or `(-0.5, 0.5)` while it is 0.
    var threshold: Float
    /// Minimum and maximum of the finite values seen.
    var minValue: Float
    var maxValue: Float
    /// The first batch's bin count.
    let initialBins: Int

    /// `collect_value` on the first batch: `np.histogram(x, bins, range=(-t, t))`, `t = max(|min|, |max|)`.
    init(first values: UnsafeBufferPointer<Float>, bins: Int, min: Float, max: Float) {
        threshold = Swift.max(abs(min), abs(max))
        minValue = min
        maxValue = max
        initialBins = bins
        edges = Self.edges(threshold: threshold, bins: bins)
        counts = [Int](repeating: 0, count: bins)
        Self.accumulate(values, edges: edges, into: &counts)
    }

    /// `merge_histogram`: a batch within the current threshold adds to the bins as they are; a wider
    /// one gets a histogram widened by whole bins of the old width on each side (ORT's
    /// `half_increased_bins`), into whose middle the old counts are added.
    mutating func merge(_ values: UnsafeBufferPointer<Float>, min: Float, max: Float) {
        let newThreshold = Swift.max(abs(min), abs(max))
        minValue = Swift.min(minValue, min)
        maxValue = Swift.max(maxValue, max)
        if newThreshold <= threshold {
            Self.accumulate(values, edges: edges, into: &counts)
            return
        }
        let oldCounts = counts, oldEdges = edges, oldBins = counts.count
        if threshold == 0 {
            // ORT keeps the bin count and adds the old counts bin by bin, although they were binned
            // over (-0.5, 0.5): all of them zeros, in the middle bin either way.
            threshold = newThreshold
            edges = Self.edges(threshold: threshold, bins: oldBins)
            counts = [Int](repeating: 0, count: oldBins)
            Self.accumulate(values, edges: edges, into: &counts)
            for (i, n) in oldCounts.enumerated() { counts[i] += n }
            return
        }
        // All float32, as NumPy evaluates ORT's expressions on float32 scalars.
        let stride = (2 * threshold) / Float(oldBins)
        let half = Self.floorDivide(newThreshold - threshold, stride) + 1
        // `!(… <= …)` also catches a NaN or infinite count (a stride that underflowed).
        let limit = Self.growthLimit * initialBins
        if !(Float(oldBins) + 2 * half <= Float(limit)) {
            threshold = newThreshold
            edges = Self.edges(threshold: threshold, bins: limit)
            counts = [Int](repeating: 0, count: limit)
            Self.accumulate(values, edges: edges, into: &counts)
            let centres = (0..<oldBins).filter { oldCounts[$0] != 0 }.map { (oldEdges[$0] + oldEdges[$0 + 1]) / 2 }
            let weights = oldCounts.filter { $0 != 0 }
            centres.withUnsafeBufferPointer { Self.accumulate($0, weights: weights, edges: edges, into: &counts) }
            return
        }
        let added = Int(half)
        threshold = half * stride + threshold
        edges = Self.edges(threshold: threshold, bins: oldBins + 2 * added)
        counts = [Int](repeating: 0, count: oldBins + 2 * added)
        Self.accumulate(values, edges: edges, into: &counts)
        for (i, n) in oldCounts.enumerated() { counts[added + i] += n }
    }

    /// `np.linspace(-t, t, bins + 1, dtype=float32)` as NumPy computes it: `i * step + start` in
    /// float32 with `step = (stop - start) / bins`, and the last edge exactly `stop`. A zero threshold
    /// becomes the range (-0.5, 0.5), as `np.histogram` widens an empty range.
    static func edges(threshold: Float, bins: Int) -> [Float] {
        var first = -threshold, last = threshold
        if first == last {
            first -= 0.5
            last += 0.5
        }
        let step = (last - first) / Float(bins)
        var e = [Float](repeating: 0, count: bins + 1)
        for i in 0..<bins { e[i] = Float(i) * step + first }
        e[bins] = last
        return e
    }

    /// NumPy's float32 `a // b` (`npy_floor_divide`: fmod, then the quotient snapped to an integer).
    static func floorDivide(_ a: Float, _ b: Float) -> Float {
        let mod = fmodf(a, b)
        var div = (a - mod) / b
        if mod != 0 && ((b < 0) != (mod < 0)) { div -= 1 }
        guard div != 0 else { return 0 }
        var floored = div.rounded(.down)
        if div - floored > 0.5 { floored += 1 }
        return floored
    }

    /// `np.histogram`'s uniform-bin fast path: keep `first <= x <= last`, index
    /// `int((x - first) / (last - first) * n)` in float32, the right edge into the last bin, then one
    /// correction step each way against the edges (NumPy's fix for ~1 ulp index errors). With
    /// `weights`, value `k` counts `weights[k]` times.
    static func accumulate(_ values: UnsafeBufferPointer<Float>, weights: [Int]? = nil, edges: [Float], into counts: inout [Int]) {
        let n = edges.count - 1
        edges.withUnsafeBufferPointer { e in
            counts.withUnsafeMutableBufferPointer { c in
                let first = e[0], last = e[n], denom = last - first, bins = Float(n)
                for (k, x) in values.enumerated() where x >= first && x <= last {
                    let f = ((x - first) / denom) * bins
                    // f == n (x on the last edge) goes to the last bin; so would a NaN from an
                    // overflowing range, which NumPy would reject.
                    var i = f < bins ? Int(f) : n - 1
                    if x < e[i] { i -= 1 }
                    if i != n - 1 && x >= e[i + 1] { i += 1 }
                    c[i] += weights?[k] ?? 1
                }
            }
        }
    }

    /// `compute_percentile` (non-symmetric): the edges where the cumulative share first reaches
    /// `cut` and `1 - cut` (`np.searchsorted`, left side), `cut = (100 - p) / 200`, clipped to the
    /// minimum and maximum seen. The cumulative sum is float64, as NumPy's `cumsum(hist / total)`.
    func percentileRange(_ percentile: Double) -> (min: Float, max: Float) {
        let total = Double(counts.reduce(0, +))
        let cut = (100.0 - percentile) / 200.0
        let leftTarget = cut, rightTarget = 1.0 - cut
        var left = counts.count, right = counts.count
        var cdf = 0.0
        for (i, n) in counts.enumerated() {
            cdf += Double(n) / total
            if left == counts.count && cdf >= leftTarget { left = i }
            if cdf >= rightTarget { right = i; break }
        }
        return (Swift.max(edges[left], minValue), Swift.min(edges[right], maxValue))
    }

    /// `get_entropy_threshold`: for each window of `2i + 1` bins around the zero bin (`i` from
    /// `quantizedBins / 2` to the histogram's half), the KL divergence between the window `p` (the
    /// counts outside folded into its end bins) and its `quantizedBins`-level version `q`; the edges
    /// of the first window of least divergence, clipped to the minimum and maximum seen.
    ///
    /// As ORT: `q` spreads each level's count (window counts without the folded outliers) evenly over
    /// the level's non-empty bins of `p`, truncated to an integer, and over *all* bins of the level;
    /// the bins past the last whole level stay 0; both are smoothed by `smooth_distribution`
    /// (eps = 1e-4) and the divergence is computed in float32 with NumPy's pairwise sums. The
    /// logarithm is the platform's `logf`, which differs from NumPy's vectorised float32 log by a
    /// few ulps, so two windows whose divergences tie to within an ulp can swap places.
    func entropyRange(quantizedBins: Int) -> (min: Float, max: Float) {
        let n = counts.count, zero = n / 2, halfQuantized = quantizedBins / 2
        let windows = zero - halfQuantized + 1
        let tables = EntropyTables(counts: counts, levels: quantizedBins)
        var divergences = [Float](repeating: .infinity, count: windows)
        let pool = ThreadPool.shared, threads = pool.threadCount
        divergences.withUnsafeMutableBufferPointer { out in
            // Window w costs O(w): dealt round-robin, every thread gets a like share. Each window is
            // computed alone, so the result does not depend on the thread count.
            pool.parallelFor(threads, grain: 1) { chunks in
                var scratch = EntropyScratch(capacity: n, levels: quantizedBins)
                for chunk in chunks {
                    for w in Swift.stride(from: chunk, to: windows, by: threads) {
                        let i = halfQuantized + w
                        out[w] = tables.divergence(start: zero - i, end: Swift.min(zero + i + 1, n), scratch: &scratch)
                    }
                }
            }
        }
        // np.argmin: the first minimum (index 0 when every divergence is infinite).
        var best = 0
        for w in 1..<Swift.max(windows, 1) where divergences[w] < divergences[best] { best = w }
        let i = halfQuantized + best
        let start = zero - i, end = Swift.min(zero + i + 1, n)
        return (Swift.max(edges[start], minValue), Swift.min(edges[end], maxValue))
    }
}

/// The entropy search's read-only tables of one histogram, shared by the threads.
private struct EntropyTables: Sendable {
    let levels: Int
    /// The histogram's counts, as integers and as float32 (NumPy's `astype(float32)`).
    let counts: [Int]
    let floatCounts: [Float]
    /// `prefix[k]`: the sum of `counts[..<k]`; `nonzeroPrefix[k]`: how many of them are non-zero.
    let prefix: [Int]
    let nonzeroPrefix: [Int]

    init(counts: [Int], levels: Int) {
        let n = counts.count
        self.levels = levels
        self.counts = counts
        floatCounts = counts.map { Float($0) }
        var prefix = [Int](repeating: 0, count: n + 1), nonzeroPrefix = [Int](repeating: 0, count: n + 1)
        for i in 0..<n {
            prefix[i + 1] = prefix[i] + counts[i]
            nonzeroPrefix[i + 1] = nonzeroPrefix[i] + (counts[i] != 0 ? 1 : 0)
        }
        self.prefix = prefix
        self.nonzeroPrefix = nonzeroPrefix
    }

    /// The float32 KL divergence of ORT's `p` and `q` for the window `counts[start..<end]`
    /// (infinity when `q` is all zeros, as ORT's `smooth_distribution` returns None then). A few
    /// passes over the window; the level statistics come from the prefix sums.
    func divergence(start: Int, end: Int, scratch: inout EntropyScratch) -> Float {
        let m = end - start, merged = m / levels, covered = levels * merged
        // p's end bins hold the outliers: everything left of the window, everything right of it.
        let first = counts[start] + prefix[start] + (m == 1 ? prefix[counts.count] - prefix[end] : 0)
        let last = counts[end - 1] + prefix[counts.count] - prefix[end]
        // Non-empty bins of p among window positions s..<e, from the prefix counts corrected at the ends.
        func nonzeros(_ s: Int, _ e: Int) -> Int {
            guard s < e else { return 0 }
            var k = nonzeroPrefix[start + e] - nonzeroPrefix[start + s]
            if s == 0 { k += (first != 0 ? 1 : 0) - (counts[start] != 0 ? 1 : 0) }
            if m > 1 && e == m { k += (last != 0 ? 1 : 0) - (counts[end - 1] != 0 ? 1 : 0) }
            return k
        }
        let pNonzeros = nonzeros(0, m)
        // q's integer value per level: the level's window count (the remainder bins' count added to
        // the last level) over its non-empty bins of p, truncated (`q[s:e] = count / norm` into int64).
        var qZeros = m - covered
        for level in 0..<levels {
            let s = level * merged, e = s + merged
            var count = prefix[start + e] - prefix[start + s]
            if level == levels - 1 { count += prefix[end] - prefix[start + covered] }
            let norm = nonzeros(s, e)
            let v = norm == 0 ? 0 : Int(Double(count) / Double(norm))
            scratch.levelValues[level] = v
            if v == 0 { qZeros += merged }
        }
        // smooth_distribution returns None for an all-zero distribution; ORT's divergence is then inf.
        if pNonzeros == 0 || m - qZeros == 0 { return .infinity }

        // smooth_distribution in float32: zeros become eps, the others lose eps × zeros / nonzeros.
        let eps = Float(0.0001)
        let pLoss = Float(-(0.0001 * Double(m - pNonzeros) / Double(pNonzeros)))
        let qLoss = Float(-(0.0001 * Double(qZeros) / Double(m - qZeros)))
        let levels = self.levels
        return floatCounts.withUnsafeBufferPointer { h in
            scratch.withBuffers { p, q, terms, levelValues in
                for j in 0..<m {
                    let c = h[start + j]
                    p[j] = c == 0 ? eps : c + pLoss
                }
                p[0] = first == 0 ? eps : Float(first) + pLoss
                p[m - 1] = m == 1 ? p[0] : (last == 0 ? eps : Float(last) + pLoss)
                for level in 0..<levels {
                    let v = levelValues[level]
                    let smoothed = v == 0 ? eps : Float(v) + qLoss
                    for j in (level * merged)..<((level + 1) * merged) { q[j] = smoothed }
                }
                for j in covered..<m { q[j] = eps }

                // entropy(p, q): normalise each, then the sum of p * log(p / q), in float32.
                let pSum = pairwiseSum(p.baseAddress!, m), qSum = pairwiseSum(q.baseAddress!, m)
                // Equal neighbours are common (runs of empty bins, q constant over a level), and the
                // logarithm is most of the cost: one serves each run.
                var lastP = Float.nan, lastQ = Float.nan, lastTerm = Float.nan
                for j in 0..<m {
                    let pk = p[j] / pSum, qk = q[j] / qSum
                    if pk != lastP || qk != lastQ {
                        lastP = pk
                        lastQ = qk
                        // ORT's rel_entr: infinity unless both are positive (smoothing sees to that).
                        lastTerm = pk > 0 && qk > 0 ? pk * logf(pk / qk) : .infinity
                    }
                    terms[j] = lastTerm
                }
                return pairwiseSum(terms.baseAddress!, m)
            }
        }
    }
}

/// One thread's buffers for the entropy search, reused by every window it computes (no allocation
/// per window).
private struct EntropyScratch {
    var p: [Float]
    var q: [Float]
    var terms: [Float]
    var levelValues: [Int]

    init(capacity: Int, levels: Int) {
        p = [Float](repeating: 0, count: capacity)
        q = [Float](repeating: 0, count: capacity)
        terms = [Float](repeating: 0, count: capacity)
        levelValues = [Int](repeating: 0, count: levels)
    }

    /// Calls `body` with the buffers (`p`, `q`, the KL terms, `q`'s value per level).
    mutating func withBuffers<R>(_ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>,
                                          UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Int>) -> R) -> R {
        p.withUnsafeMutableBufferPointer { p in
            q.withUnsafeMutableBufferPointer { q in
                terms.withUnsafeMutableBufferPointer { terms in
                    levelValues.withUnsafeMutableBufferPointer { levelValues in body(p, q, terms, levelValues) }
                }
            }
        }
    }
}

/// NumPy's float32 `add.reduce` (`FLOAT_pairwise_sum`): fewer than 8 values summed in order; up to
/// 128 in eight interleaved accumulators combined as a tree, the rest in order; longer runs split in
/// two at a multiple of 8. Reproducing it keeps float32 sums equal to ORT's bit for bit.
private func pairwiseSum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
    if n < 8 {
        var res: Float = 0
        for i in 0..<n { res += a[i] }
        return res
    } else if n <= 128 {
        var r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7]
        var i = 8
        let whole = n - n % 8
        while i < whole {
            r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
            r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
            i += 8
        }
        var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n {
            res += a[i]
            i += 1
        }
        return res
    } else {
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwiseSum(a, n2) + pairwiseSum(a + n2, n - n2)
    }
}

/// Quantile binning of numeric features into at most 255 bins per feature, as LightGBM and
/// scikit-learn's `HistGradientBoosting*` do (`_BinMapper`): a feature with at most `maxBins`
/// distinct training values gets one bin per value (thresholds at the midpoints between them);
/// otherwise the thresholds are the training values' quantiles. A value goes to the first bin whose
/// threshold it does not exceed.
struct FeatureBinning: Sendable, Equatable, Codable {
    /// Per feature, the ascending upper edges of all bins but the last.
    let thresholds: [[Float]]

    /// Thresholds fitted on `columns` (one array of values per feature).
    init(columns: [[Float]], maxBins: Int) {
        thresholds = columns.map { values in
            let sorted = values.sorted()
            var distinct: [Float] = []
            for v in sorted where distinct.last != v { distinct.append(v) }
            if distinct.count <= maxBins {
                return zip(distinct, distinct.dropFirst()).map { ($0 + $1) / 2 }
            }
            // Quantiles at 1/maxBins ... (maxBins−1)/maxBins, by linear interpolation, de-duplicated.
            var edges: [Float] = []
            for k in 1..<maxBins {
                let position = Double(k) / Double(maxBins) * Double(sorted.count - 1)
                let lo = Int(position), frac = Float(position - Double(lo))
                let value = lo + 1 < sorted.count ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac : sorted[lo]
                if edges.last.map({ value > $0 }) ?? true { edges.append(value) }
            }
            return edges
        }
    }

    /// The bin of `value` for feature `feature`.
    func bin(_ value: Float, feature: Int) -> UInt8 {
        let t = thresholds[feature]
        var lo = 0, hi = t.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if value <= t[mid] { hi = mid } else { lo = mid + 1 }
        }
        return UInt8(lo)
    }

    /// Every value of `rows` binned, column-major: `bins[feature * rows.count + row]`.
    func binned(_ rows: [[Float]]) -> [UInt8] {
        let n = rows.count
        var out = [UInt8](repeating: 0, count: n * thresholds.count)
        for f in thresholds.indices {
            for i in 0..<n { out[f * n + i] = bin(rows[i][f], feature: f) }
        }
        return out
    }
}

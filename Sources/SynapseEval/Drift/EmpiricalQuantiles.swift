/// Quantiles and bin lookup on sorted data, shared by the profile and the monitor.
package enum EmpiricalQuantiles {
    /// The `p`-quantile (0 ≤ p ≤ 1) of ascending, non-empty `sorted` by linear interpolation between
    /// order statistics (NumPy's default `np.quantile`, Hyndman–Fan type 7).
    package static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let position = p * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    /// The interior edges of `bins` equal-mass bins of ascending `sorted`: the quantiles k/bins for
    /// k = 1 … bins−1, with repeated values (discrete data) kept once, so edges strictly increase.
    package static func interiorEdges(_ sorted: [Double], bins: Int) -> [Double] {
        var edges: [Double] = []
        for k in 1..<Swift.max(bins, 1) {
            let q = quantile(sorted, Double(k) / Double(bins))
            if edges.last.map({ q > $0 }) ?? true { edges.append(q) }
        }
        return edges
    }

    /// The bin of `value` among interior `edges` (ascending): the number of edges ≤ value, so bin
    /// `i` is [edges[i−1], edges[i]) and the first and last bins are open-ended (NumPy's
    /// `searchsorted(edges, value, side="right")`). O(log bins).
    package static func bin(of value: Double, edges: [Double]) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let mid = (low + high) / 2
            if edges[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

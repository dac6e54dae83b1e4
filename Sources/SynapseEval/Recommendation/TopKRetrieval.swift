import SynapseCore

/// Top-K retrieval over a score matrix: for each query row, the K best-scored items, skipping the
/// items to exclude (what the user already interacted with). Selection keeps a K-element min-heap
/// per row — O(items · log K) instead of a full sort — and breaks ties towards the lower item index,
/// so results are deterministic.
public enum TopKRetrieval {
    /// The score every excluded item gets before ranking: below any real score, and finite so the
    /// ranking metrics (which refuse non-finite scores) accept the matrix.
    public static let excludedScore: Float = -1e30

    /// The best `k` items of each row of `scores` [queries, items], best first, leaving out
    /// `excluding[row]` (when given; one list per row). Fewer than `k` come back when fewer remain.
    public static func topK(scores: Tensor, k: Int, excluding: [[Int]]? = nil) -> [[Int]] {
        require(scores.rank == 2 && k > 0, "TopKRetrieval.topK: expected scores [queries, items] and k > 0, got \(scores.shape), k \(k)")
        let (n, items) = (scores.shape[0], scores.shape[1])
        require(excluding == nil || excluding!.count == n, "TopKRetrieval.topK: \(excluding?.count ?? 0) exclusion lists for \(n) queries")
        return scores.withUnsafeBufferPointer { s in
            (0..<n).map { row in
                let skip = Set(excluding?[row] ?? [])
                // Min-heap of (score, item) ordered so that the worst kept candidate is on top.
                var heap: [(Float, Int)] = []
                heap.reserveCapacity(k)
                func worse(_ a: (Float, Int), _ b: (Float, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 > b.1) }
                for item in 0..<items where !skip.contains(item) {
                    let candidate = (s[row * items + item], item)
                    if heap.count < k {
                        heap.append(candidate)
                        var c = heap.count - 1
                        while c > 0 {
                            let parent = (c - 1) / 2
                            guard worse(heap[c], heap[parent]) else { break }
                            heap.swapAt(c, parent)
                            c = parent
                        }
                    } else if worse(heap[0], candidate) {
                        heap[0] = candidate
                        var c = 0
                        while true {
                            let (l, r) = (2 * c + 1, 2 * c + 2)
                            var m = c
                            if l < heap.count && worse(heap[l], heap[m]) { m = l }
                            if r < heap.count && worse(heap[r], heap[m]) { m = r }
                            if m == c { break }
                            heap.swapAt(c, m)
                            c = m
                        }
                    }
                }
                return heap.sorted { worse($1, $0) }.map(\.1)
            }
        }
    }

    /// `scores` with every excluded item set to `excludedScore` (for metrics over the full ranking).
    public static func masked(_ scores: Tensor, excluding: [[Int]]) -> Tensor {
        require(scores.rank == 2 && excluding.count == scores.shape[0],
                "TopKRetrieval.masked: \(excluding.count) exclusion lists for scores \(scores.shape)")
        var out = scores.detached().contiguous()
        let items = scores.shape[1]
        out.withUnsafeMutableBufferPointer { b in
            for (row, list) in excluding.enumerated() { for item in list where (0..<items).contains(item) { b[row * items + item] = excludedScore } }
        }
        return out
    }
}

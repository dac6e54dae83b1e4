/// One regression tree of `GradientBoostedTrees`, on binned features: an internal node sends a row
/// left when its bin for `feature` is at most `bin`; a leaf holds its (shrunk) value.
struct BoostedTree: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        var feature = -1
        var bin: UInt8 = 0
        var left = -1
        var right = -1
        var value = 0.0
        var isLeaf: Bool { feature < 0 }
    }

    var nodes: [Node]

    /// The value for row `row` of column-major `bins` holding `rows` rows.
    func value(bins: [UInt8], row: Int, rows: Int) -> Double {
        var index = 0
        while !nodes[index].isLeaf {
            let node = nodes[index]
            index = bins[node.feature * rows + row] <= node.bin ? node.left : node.right
        }
        return nodes[index].value
    }

    /// A leaf that may be split, with its rows, sums, histogram and best split.
    private struct Candidate {
        let node: Int
        let rows: [Int]
        let gradient: Double, hessian: Double
        let depth: Int
        let histogram: Histogram
        var split: (gain: Double, feature: Int, bin: Int)?
    }

    /// Per feature and bin: the sums of gradients and hessians and the row count.
    private struct Histogram {
        var g: [Double], h: [Double], count: [Int]

        init(bins total: Int) {
            g = [Double](repeating: 0, count: total)
            h = [Double](repeating: 0, count: total)
            count = [Int](repeating: 0, count: total)
        }

        func subtracting(_ other: Histogram) -> Histogram {
            var out = self
            for b in g.indices {
                out.g[b] -= other.g[b]
                out.h[b] -= other.h[b]
                out.count[b] -= other.count[b]
            }
            return out
        }
    }

    /// Grows a tree leaf-wise on `gradients` and `hessians` of the `rows` rows of column-major
    /// `bins` (feature f has `binCounts[f]` bins), up to `options.maxLeafNodes` leaves.
    static func grow(bins: [UInt8], rows n: Int, binCounts: [Int], gradients: [Double], hessians: [Double],
                     options o: GradientBoostingOptions) -> BoostedTree {
        var offsets = [0]
        for c in binCounts { offsets.append(offsets.last! + c) }
        let total = offsets.last!, lambda = o.l2Regularization

        func histogram(_ rows: [Int]) -> Histogram {
            var hist = Histogram(bins: total)
            for f in binCounts.indices {
                let base = offsets[f], column = f * n
                for i in rows {
                    let b = base + Int(bins[column + i])
                    hist.g[b] += gradients[i]
                    hist.h[b] += hessians[i]
                    hist.count[b] += 1
                }
            }
            return hist
        }
        func bestSplit(_ c: Candidate) -> (gain: Double, feature: Int, bin: Int)? {
            if let maxDepth = o.maxDepth, c.depth >= maxDepth { return nil }
            guard c.rows.count >= 2 * o.minSamplesLeaf else { return nil }
            let parent = c.gradient * c.gradient / (c.hessian + lambda)
            var best: (gain: Double, feature: Int, bin: Int)?
            for f in binCounts.indices {
                var gl = 0.0, hl = 0.0, nl = 0
                for b in 0..<(binCounts[f] - 1) {
                    let k = offsets[f] + b
                    gl += c.histogram.g[k]; hl += c.histogram.h[k]; nl += c.histogram.count[k]
                    let nr = c.rows.count - nl
                    if nl < o.minSamplesLeaf { continue }
                    if nr < o.minSamplesLeaf { break }
                    let gr = c.gradient - gl, hr = c.hessian - hl
                    guard hl >= 1e-3, hr >= 1e-3 else { continue }
                    let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent
                    if gain > (best?.gain ?? 1e-12) { best = (gain, f, b) }
                }
            }
            return best
        }
        func leafValue(_ g: Double, _ h: Double) -> Double { -o.learningRate * g / (h + lambda + 1e-15) }

        let all = Array(0..<n)
        let rootG = gradients.reduce(0, +), rootH = hessians.reduce(0, +)
        var nodes = [Node(value: leafValue(rootG, rootH))]
        var root = Candidate(node: 0, rows: all, gradient: rootG, hessian: rootH, depth: 0, histogram: histogram(all))
        root.split = bestSplit(root)
        var open = [root]
        var leaves = 1
        while leaves < o.maxLeafNodes {
            guard let pick = open.indices.filter({ open[$0].split != nil }).max(by: { open[$0].split!.gain < open[$1].split!.gain }) else { break }
            let parent = open.remove(at: pick)
            let split = parent.split!
            let column = split.feature * n
            let left = parent.rows.filter { bins[column + $0] <= UInt8(split.bin) }
            let right = parent.rows.filter { bins[column + $0] > UInt8(split.bin) }
            // The smaller child's histogram by a scan, the larger one's by subtraction.
            let leftHistogram: Histogram, rightHistogram: Histogram
            if left.count <= right.count {
                leftHistogram = histogram(left); rightHistogram = parent.histogram.subtracting(leftHistogram)
            } else {
                rightHistogram = histogram(right); leftHistogram = parent.histogram.subtracting(rightHistogram)
            }
            let gl = left.reduce(0) { $0 + gradients[$1] }, hl = left.reduce(0) { $0 + hessians[$1] }
            let gr = parent.gradient - gl, hr = parent.hessian - hl
            let li = nodes.count, ri = nodes.count + 1
            nodes.append(Node(value: leafValue(gl, hl)))
            nodes.append(Node(value: leafValue(gr, hr)))
            nodes[parent.node].feature = split.feature
            nodes[parent.node].bin = UInt8(split.bin)
            nodes[parent.node].left = li
            nodes[parent.node].right = ri
            var l = Candidate(node: li, rows: left, gradient: gl, hessian: hl, depth: parent.depth + 1, histogram: leftHistogram)
            var r = Candidate(node: ri, rows: right, gradient: gr, hessian: hr, depth: parent.depth + 1, histogram: rightHistogram)
            l.split = bestSplit(l)
            r.split = bestSplit(r)
            open.append(l)
            open.append(r)
            leaves += 1
        }
        return BoostedTree(nodes: nodes)
    }
}

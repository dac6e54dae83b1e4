import Foundation

/// How `scatter(index:count:reduce:)` combines the rows that land on one output row.
public enum ScatterReduction: String, Sendable, CaseIterable {
    /// The sum of the rows (PyG `reduce="sum"`).
    case sum
    /// Their mean (PyG `reduce="mean"`).
    case mean
    /// Their element-wise maximum (PyG `reduce="max"`); gradients are shared evenly between tied
    /// maxima, as PyTorch's `scatter_reduce` does.
    case max
}

extension Tensor {
    /// Combines the rows of `self` ([E, ...]) into `count` rows: row e lands on output row
    /// `index[e]`, and the rows landing on one output row are summed, averaged or maxed. Output
    /// rows that no row reaches are 0. This is PyTorch Geometric's `scatter(src, index, dim=0,
    /// dim_size=count, reduce=...)`, the aggregation of message passing. Differentiable.
    ///
    /// Stops with a message naming `scatter` and the shapes when `index` does not have one entry
    /// per row or an entry lies outside `0..<count`.
    public func scatter(index: [Int], count: Int, reduce: ScatterReduction = .sum) -> Tensor {
        require(rank >= 1 && index.count == shape[0],
                "scatter: index of \(index.count) entries does not match the \(rank >= 1 ? shape[0] : 0) rows of \(shape)")
        require(count >= 0, "scatter: the output row count must be ≥ 0, got \(count)")
        if let bad = index.first(where: { $0 < 0 || $0 >= count }) {
            requireFailure("scatter: index \(bad) is outside the \(count) output rows (valid: 0..<\(count)) for input \(shape)")
        }
        let rows = shape[0], inner = rows == 0 ? shape.dropFirst().reduce(1, *) : self.count / rows
        let outShape = [count] + shape.dropFirst()
        let x = contiguous()
        var members = [Int](repeating: 0, count: count)
        for i in index { members[i] += 1 }
        let y = x.withUnsafeBufferPointer { src in
            Tensor(shape: outShape) { out in
                switch reduce {
                case .sum, .mean:
                    out.initialize(repeating: 0)
                    for (e, i) in index.enumerated() {
                        for t in 0..<inner { out[i * inner + t] += src[e * inner + t] }
                    }
                    if reduce == .mean {
                        for i in 0..<count where members[i] > 1 {
                            let scale = 1 / Float(members[i])
                            for t in 0..<inner { out[i * inner + t] *= scale }
                        }
                    }
                case .max:
                    out.initialize(repeating: -.infinity)
                    for (e, i) in index.enumerated() {
                        for t in 0..<inner { out[i * inner + t] = Swift.max(out[i * inner + t], src[e * inner + t]) }
                    }
                    for i in 0..<count where members[i] == 0 {
                        for t in 0..<inner { out[i * inner + t] = 0 }
                    }
                }
            }
        }
        let maxima = reduce == .max ? y.detached() : nil
        return y.recorded("scatter", inputs: [x]) { g in
            let gc = g.contiguous()
            let dx = gc.withUnsafeBufferPointer { gp in
                Tensor(shape: x.shape) { dst in
                    switch reduce {
                    case .sum, .mean:
                        for (e, i) in index.enumerated() {
                            let scale = reduce == .mean ? 1 / Float(members[i]) : 1
                            for t in 0..<inner { dst[e * inner + t] = gp[i * inner + t] * scale }
                        }
                    case .max:
                        // Each output element's gradient goes to the rows that attained its maximum,
                        // shared evenly between ties.
                        let (xs, ms) = (x.scalars, maxima!.scalars)
                        var ties = [Float](repeating: 0, count: count * inner)
                        for (e, i) in index.enumerated() {
                            for t in 0..<inner where xs[e * inner + t] == ms[i * inner + t] { ties[i * inner + t] += 1 }
                        }
                        for (e, i) in index.enumerated() {
                            for t in 0..<inner {
                                let o = i * inner + t
                                dst[e * inner + t] = xs[e * inner + t] == ms[o] ? gp[o] / ties[o] : 0
                            }
                        }
                    }
                }
            }
            return [dx]
        }
    }

    /// Softmax over the rows of `self` ([E, ...]) that share an `index` entry, column by column:
    /// PyTorch Geometric's `softmax(src, index, num_nodes=count)`, the attention normalisation of
    /// `GATConv` (each node's incoming edges sum to 1). As PyG, the maximum of each group is
    /// subtracted first and 1e-16 is added to each group's sum. Differentiable.
    public func segmentSoftmax(index: [Int], count: Int) -> Tensor {
        require(rank >= 1 && index.count == shape[0],
                "segmentSoftmax: index of \(index.count) entries does not match the \(rank >= 1 ? shape[0] : 0) rows of \(shape)")
        if let bad = index.first(where: { $0 < 0 || $0 >= count }) {
            requireFailure("segmentSoftmax: index \(bad) is outside the \(count) groups (valid: 0..<\(count)) for input \(shape)")
        }
        let rows = shape[0], inner = rows == 0 ? 1 : self.count / rows
        let x = contiguous()
        let y = x.withUnsafeBufferPointer { src in
            Tensor(shape: shape) { out in
                var top = [Float](repeating: -.infinity, count: count * inner)
                for (e, i) in index.enumerated() {
                    for t in 0..<inner { top[i * inner + t] = Swift.max(top[i * inner + t], src[e * inner + t]) }
                }
                var sums = [Float](repeating: 0, count: count * inner)
                for (e, i) in index.enumerated() {
                    for t in 0..<inner {
                        let v = Foundation.exp(src[e * inner + t] - top[i * inner + t])
                        out[e * inner + t] = v
                        sums[i * inner + t] += v
                    }
                }
                for (e, i) in index.enumerated() {
                    for t in 0..<inner { out[e * inner + t] /= sums[i * inner + t] + 1e-16 }
                }
            }
        }
        let probabilities = y.detached()
        return y.recorded("segmentSoftmax", inputs: [x]) { g in
            // dx = y ⊙ (g − Σ_group g ⊙ y), group by group and column by column.
            let gs = g.contiguous().scalars, ys = probabilities.scalars
            var dots = [Float](repeating: 0, count: count * inner)
            for (e, i) in index.enumerated() {
                for t in 0..<inner { dots[i * inner + t] += gs[e * inner + t] * ys[e * inner + t] }
            }
            let dx = Tensor(shape: x.shape) { dst in
                for (e, i) in index.enumerated() {
                    for t in 0..<inner { dst[e * inner + t] = ys[e * inner + t] * (gs[e * inner + t] - dots[i * inner + t]) }
                }
            }
            return [dx]
        }
    }
}

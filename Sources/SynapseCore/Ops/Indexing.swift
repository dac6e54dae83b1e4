extension Tensor {
    /// Picks entries `index` along `dim` (PyTorch `index_select`).
    public func indexSelect(dim: Int, index: IntTensor) -> Tensor {
        let d = ShapeMath.normalize(dim, rank: rank, op: "indexSelect")
        require(index.rank == 1, "indexSelect: index must be 1-D, got shape \(index.shape)")
        let size = shape[d]
        for i in index.scalars {
            require(i >= 0 && i < size, "indexSelect: index \(i) out of range for dimension \(d) of size \(size)")
        }
        let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
        var outShape = shape
        outShape[d] = index.count
        let x = contiguous()
        let k = index.count
        let y = Tensor.produce(outShape) { out in
            let src = x.basePointer
            for o in 0..<outer {
                for (j, i) in index.scalars.enumerated() {
                    (out + (o * k + j) * inner).update(from: src + (o * size + i) * inner, count: inner)
                }
            }
        }
        let inputShape = shape
        return y.recorded("indexSelect", inputs: [x]) { g in
            let gc = g.contiguous()
            var dx = Tensor.zeros(inputShape)
            dx.withUnsafeMutableBufferPointer { dst in
                let gp = gc.basePointer
                for o in 0..<outer {
                    for (j, i) in index.scalars.enumerated() {
                        for t in 0..<inner { dst[(o * size + i) * inner + t] += gp[(o * k + j) * inner + t] }
                    }
                }
            }
            return [dx]
        }
    }

    /// Gathers values along `dim` (PyTorch `gather`): out[i][j][k] = x[i][index[i][j][k]][k] for dim 1.
    /// `index` has the same rank as `self` and no dimension larger than `self`'s (except along `dim`).
    public func gather(dim: Int, index: IntTensor) -> Tensor {
        let d = ShapeMath.normalize(dim, rank: rank, op: "gather")
        require(index.rank == rank, "gather: index of shape \(index.shape) does not match rank of \(shape)")
        for a in 0..<rank where a != d {
            require(index.shape[a] <= shape[a], "gather: index shape \(index.shape) exceeds input shape \(shape)")
        }
        let x = contiguous()
        let xs = ShapeMath.contiguousStrides(shape)
        let positions = Tensor.gatherPositions(index: index, dim: d, inputShape: shape, inputStrides: xs, op: "gather")
        let y = Tensor.produce(index.shape) { out in
            let src = x.basePointer
            for (o, p) in positions.enumerated() { out[o] = src[p] }
        }
        let inputShape = shape
        return y.recorded("gather", inputs: [x]) { g in
            let gc = g.contiguous()
            var dx = Tensor.zeros(inputShape)
            dx.withUnsafeMutableBufferPointer { dst in
                let gp = gc.basePointer
                for (o, p) in positions.enumerated() { dst[p] += gp[o] }
            }
            return [dx]
        }
    }

    /// Flat input offsets that `gather` reads, in index order.
    static func gatherPositions(index: IntTensor, dim d: Int, inputShape: [Int], inputStrides: [Int], op: String) -> [Int] {
        let rank = index.rank
        var positions = [Int](repeating: 0, count: index.count)
        var multi = [Int](repeating: 0, count: rank)
        for o in 0..<index.count {
            let i = index.scalars[o]
            require(i >= 0 && i < inputShape[d], "\(op): index \(i) out of range for dimension \(d) of size \(inputShape[d])")
            var p = 0
            for a in 0..<rank { p += (a == d ? i : multi[a]) * inputStrides[a] }
            positions[o] = p
            var a = rank - 1
            while a >= 0 {
                multi[a] += 1
                if multi[a] < index.shape[a] { break }
                multi[a] = 0
                a -= 1
            }
        }
        return positions
    }

    /// Chooses `x` where `condition` is non-zero and `y` elsewhere, with broadcasting (PyTorch `where`).
    public static func `where`(_ condition: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor {
        let s1 = ShapeMath.broadcastOrFail(condition.shape, x.shape, op: "where")
        let outShape = ShapeMath.broadcastOrFail(s1, y.shape, op: "where")
        let mask = BroadcastKernel.general(condition.detached(), Tensor.zeros(outShape), outShape) { c, _ in c != 0 ? 1 : 0 }
        let xs = x.detached().broadcastView(to: outShape).contiguous()
        let ys = y.detached().broadcastView(to: outShape).contiguous()
        let out = Tensor.produce(outShape) { o in
            let m = mask.basePointer, a = xs.basePointer, b = ys.basePointer
            for i in 0..<mask.count { o[i] = m[i] != 0 ? a[i] : b[i] }
        }
        let (sx, sy, nx, ny) = (x.shape, y.shape, x.node != nil, y.node != nil)
        return out.recorded("where", inputs: [x, y]) { g in
            [nx ? (g * mask).sumToShape(sx) : nil, ny ? (g * (1 - mask)).sumToShape(sy) : nil]
        }
    }

    /// Replaces elements where `mask` is non-zero by `value` (broadcasting the mask).
    public func maskedFill(_ mask: Tensor, _ value: Float) -> Tensor {
        Tensor.where(mask, Tensor(value), self)
    }
}

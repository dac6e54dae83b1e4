extension StridedCopy {
    /// Calls `body(base, inner, innerStride)` for each innermost row of a strided tensor, in row-major order.
    static func forEachRow(_ t: Tensor, _ body: (Int, Int, Int) -> Void) {
        let n = t.count
        if n == 0 { return }
        if t.rank == 0 { body(t.offset, 1, 1); return }
        let rank = t.rank
        let inner = t.shape[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var base = t.offset
        for _ in 0..<(n / Swift.max(inner, 1)) {
            body(base, inner, t.strides[rank - 1])
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                base += t.strides[d]
                if index[d] < t.shape[d] { break }
                base -= t.strides[d] * t.shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Writes dense `src` (row-major, `view.count` elements) into the strided `view`'s storage.
    static func write(_ src: UnsafePointer<Float>, into view: Tensor) {
        var o = 0
        let dst = view.storage.pointer
        forEachRow(view) { base, inner, stride in
            if stride == 1 { (dst + base).update(from: src + o, count: inner) }
            else { for j in 0..<inner { dst[base + j * stride] = src[o + j] } }
            o += inner
        }
    }
}

extension Tensor {
    /// Elements `start..<end` by `step` along `dim` (a view; PyTorch `x[:, start:end:step]`).
    /// Negative `start`/`end` count from the end; bounds are clamped like Python slices.
    public func slice(dim: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Tensor {
        let d = ShapeMath.normalize(dim, rank: rank, op: "slice")
        require(step > 0, "slice: step must be positive, got \(step)")
        let size = shape[d]
        func clampIndex(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + size : i, 0), size) }
        let s = clampIndex(start), e = Swift.max(clampIndex(end ?? size), s)
        var newShape = shape, newStrides = strides
        newShape[d] = (e - s + step - 1) / step
        newStrides[d] = strides[d] * step
        let y = Tensor(storage: storage, offset: offset + s * strides[d], shape: newShape, strides: newStrides)
        let inputShape = shape
        return y.recorded("slice", inputs: [self]) { g in
            [Tensor.embedding(g, intoZerosOf: inputShape) { $0.slice(dim: d, start: s, end: e, step: step).detached() }]
        }
    }

    /// The sub-tensor at `index` along `dim`, with that dimension removed (PyTorch `select`).
    public func select(dim: Int = 0, index: Int) -> Tensor {
        let d = ShapeMath.normalize(dim, rank: rank, op: "select")
        let i = index < 0 ? index + shape[d] : index
        require(i >= 0 && i < shape[d], "select: index \(index) out of range for dimension \(d) of size \(shape[d])")
        return slice(dim: d, start: i, end: i + 1).squeezed(d)
    }

    /// The sub-tensor at `index` along the first dimension.
    public subscript(index: Int) -> Tensor { select(dim: 0, index: index) }

    /// The rows `range` along the first dimension.
    public subscript(range: Range<Int>) -> Tensor { slice(dim: 0, start: range.lowerBound, end: range.upperBound) }

    /// A tensor of zeros with `shape` where the region picked by `region` (a view of it) holds `g`.
    static func embedding(_ g: Tensor, intoZerosOf shape: [Int], region: (Tensor) -> Tensor) -> Tensor {
        let z = Tensor.zeros(shape)
        let view = region(z)
        require(view.shape == g.shape, "internal: gradient region \(view.shape) vs gradient \(g.shape)")
        let gc = g.contiguous()
        StridedCopy.write(gc.basePointer, into: view)
        return withExtendedLifetime(gc) { z }
    }
}

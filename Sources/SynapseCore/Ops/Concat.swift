extension Tensor {
    /// Joins tensors along an existing dimension (all other dimensions must match).
    public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "cat: needs at least one tensor")
        let first = tensors[0]
        let d = ShapeMath.normalize(dim, rank: first.rank, op: "cat")
        for t in tensors {
            var a = t.shape, b = first.shape
            require(a.count == b.count, "cat: shapes \(first.shape) and \(t.shape) have different ranks")
            a[d] = 0; b[d] = 0
            require(a == b, "cat: shapes \(first.shape) and \(t.shape) differ outside dimension \(d)")
        }
        var outShape = first.shape
        outShape[d] = tensors.map { $0.shape[d] }.reduce(0, +)
        let out = Tensor.zeros(outShape)
        var start = 0
        var ranges: [Range<Int>] = []
        for t in tensors {
            let size = t.shape[d]
            let view = out.slice(dim: d, start: start, end: start + size).detached()
            let c = t.contiguous()
            StridedCopy.write(c.basePointer, into: view)
            withExtendedLifetime(c) {}
            ranges.append(start..<(start + size))
            start += size
        }
        return out.recorded("cat", inputs: tensors) { g in
            ranges.map { r in g.slice(dim: d, start: r.lowerBound, end: r.upperBound).contiguous() }
        }
    }

    /// Joins tensors of equal shape along a new dimension.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "stack: needs at least one tensor")
        for t in tensors {
            require(t.shape == tensors[0].shape, "stack: shapes \(tensors[0].shape) and \(t.shape) differ")
        }
        let d = dim < 0 ? dim + tensors[0].rank + 1 : dim
        return cat(tensors.map { $0.unsqueezed(d) }, dim: d)
    }

    /// Pads with a constant. `padding` lists (before, after) pairs starting from the LAST dimension,
    /// as in PyTorch's `F.pad(x, (left, right, top, bottom))`.
    public func padded(_ padding: [Int], value: Float = 0) -> Tensor {
        require(padding.count % 2 == 0 && padding.count / 2 <= rank,
                     "pad: \(padding.count) padding values for a tensor of rank \(rank)")
        var outShape = shape
        var regions: [(dim: Int, start: Int, end: Int)] = []
        for k in 0..<(padding.count / 2) {
            let d = rank - 1 - k
            let before = padding[2 * k], after = padding[2 * k + 1]
            require(before >= 0 && after >= 0, "pad: negative padding \(padding) is not supported")
            outShape[d] = shape[d] + before + after
            regions.append((d, before, before + shape[d]))
        }
        let out = Tensor.full(outShape, value)
        func region(_ t: Tensor) -> Tensor {
            regions.reduce(t) { $0.slice(dim: $1.dim, start: $1.start, end: $1.end).detached() }
        }
        let c = contiguous()
        StridedCopy.write(c.basePointer, into: region(out))
        return withExtendedLifetime(c) {
            out.recorded("pad", inputs: [self]) { g in [region(g).contiguous()] }
        }
    }
}

extension Tensor {
    /// The same elements with a new shape (one dimension may be -1). A view when the layout allows.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            require(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            target[i] = count / known
        }
        require(ShapeMath.count(target) == count && target.allSatisfy { $0 >= 0 },
                     "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        let c = contiguous()
        let y = Tensor(storage: c.storage, offset: c.offset, shape: target)
        let original = shape
        return y.recorded("reshape", inputs: [c]) { g in [g.reshaped(original)] }
    }

    /// Reshape with a variadic shape.
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    /// Flattens dimensions `startDim...endDim` into one.
    public func flattened(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = ShapeMath.normalize(startDim, rank: rank, op: "flatten")
        let e = ShapeMath.normalize(endDim, rank: rank, op: "flatten")
        require(s <= e, "flatten: startDim \(startDim) is after endDim \(endDim)")
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Inserts a dimension of size 1 at `dim`.
    public func unsqueezed(_ dim: Int) -> Tensor {
        let d = dim < 0 ? dim + rank + 1 : dim
        require(d >= 0 && d <= rank, "unsqueeze: dimension \(dim) out of range for rank \(rank)")
        var s = shape
        s.insert(1, at: d)
        return reshaped(s)
    }

    /// Removes `dim` if it has size 1, or every size-1 dimension when `dim` is nil.
    public func squeezed(_ dim: Int? = nil) -> Tensor {
        if let dim {
            let d = ShapeMath.normalize(dim, rank: rank, op: "squeeze")
            guard shape[d] == 1 else { return self }
            var s = shape
            s.remove(at: d)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// Reorders dimensions (a view): result dimension i is input dimension `dims[i]`.
    public func permuted(_ dims: [Int]) -> Tensor {
        require(dims.count == rank, "permute: \(dims.count) dimensions given for a tensor of shape \(shape)")
        let p = dims.map { ShapeMath.normalize($0, rank: rank, op: "permute") }
        require(Set(p).count == rank, "permute: \(dims) is not a permutation of 0..<\(rank)")
        let y = Tensor(storage: storage, offset: offset, shape: p.map { shape[$0] }, strides: p.map { strides[$0] })
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in p.enumerated() { inverse[d] = i }
        return y.recorded("permute", inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Permute with variadic dimensions.
    public func permuted(_ dims: Int...) -> Tensor { permuted(dims) }

    /// Swaps two dimensions (a view).
    public func transposed(_ d0: Int = -2, _ d1: Int = -1) -> Tensor {
        if rank < 2 { return self }
        var p = Array(0..<rank)
        p.swapAt(ShapeMath.normalize(d0, rank: rank, op: "transpose"), ShapeMath.normalize(d1, rank: rank, op: "transpose"))
        return permuted(p)
    }

    /// The matrix transpose of a 2-D tensor (or of the last two dimensions).
    public var T: Tensor { transposed() }

    /// A broadcast view with `shape` (PyTorch `expand`); -1 keeps a dimension.
    public func expanded(to target: [Int]) -> Tensor {
        let lead = target.count - rank
        require(lead >= 0, "expand: cannot expand shape \(shape) to \(target)")
        let resolved = target.enumerated().map { i, d in d == -1 ? shape[i - lead] : d }
        let y = broadcastView(to: resolved)
        let original = shape
        return y.recorded("expand", inputs: [self]) { g in [g.sumToShape(original)] }
    }
}

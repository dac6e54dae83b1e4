/// Forward kernels for broadcasting binary ops (no autodiff here; see Ops/Binary.swift): the CPU
/// backend picks the fastest loop for the operands' layouts and calls the element-wise kernels.
enum BroadcastKernel {
    /// `a op b` with NumPy broadcasting, choosing the fastest applicable loop.
    static func apply(_ a: Tensor, _ b: Tensor, _ op: BinaryKernel, name: String,
                      scalar f: (Float, Float) -> Float) -> Tensor {
        let outShape = a.shape == b.shape ? a.shape : ShapeMath.broadcastOrFail(a.shape, b.shape, op: name)
        let n = ShapeMath.count(outShape)
        // Same shape, dense: one vector loop.
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let ap = SendablePointer(a.basePointer), bp = SendablePointer(b.basePointer)
            return withExtendedLifetime((a, b)) {
                Tensor.produce(outShape) { out in
                    let op_ = SendablePointer(out)
                    parallelChunks(n) { r in
                        let o = r.lowerBound
                        CPUBackend.binary(op, ap.pointer + o, bp.pointer + o, into: op_.pointer + o, count: r.count)
                    }
                }
            }
        }
        // One side is a single value.
        if b.count == 1 && a.shape == outShape && a.isContiguous {
            return scalarRight(a, b.storage.pointer[b.offset], op, n)
        }
        if a.count == 1 && b.shape == outShape && b.isContiguous {
            let s = a.storage.pointer[a.offset]
            let bp = SendablePointer(b.basePointer)
            return withExtendedLifetime(b) {
                Tensor.produce(outShape) { out in
                    let op_ = SendablePointer(out)
                    parallelChunks(n) { r in
                        CPUBackend.binary(op, scalar: s, bp.pointer + r.lowerBound, into: op_.pointer + r.lowerBound, count: r.count)
                    }
                }
            }
        }
        // b covers the trailing dimensions of a dense a (e.g. [N, C] + [C]): one vector loop per row.
        if a.shape == outShape && a.isContiguous && b.isContiguous && isTrailingBlock(b.shape, of: outShape) {
            let inner = b.count
            let rows = n / Swift.max(inner, 1)
            let ap = SendablePointer(a.basePointer), bp = SendablePointer(b.basePointer)
            return withExtendedLifetime((a, b)) {
                Tensor.produce(outShape) { out in
                    let op_ = SendablePointer(out)
                    ThreadPool.shared.parallelFor(rows, grain: Swift.max(1, elementwiseGrain / Swift.max(inner, 1))) { r in
                        for row in r {
                            CPUBackend.binary(op, ap.pointer + row * inner, bp.pointer, into: op_.pointer + row * inner, count: inner)
                        }
                    }
                }
            }
        }
        return general(a, b, outShape, f)
    }

    static func scalarRight(_ a: Tensor, _ s: Float, _ op: BinaryKernel, _ n: Int) -> Tensor {
        let ap = SendablePointer(a.basePointer)
        return withExtendedLifetime(a) {
            Tensor.produce(a.shape) { out in
                let op_ = SendablePointer(out)
                parallelChunks(n) { r in
                    CPUBackend.binary(op, ap.pointer + r.lowerBound, scalar: s, into: op_.pointer + r.lowerBound, count: r.count)
                }
            }
        }
    }

    /// True when `small`, left-padded with ones, equals the trailing dimensions of `shape` after a run of ones.
    static func isTrailingBlock(_ small: [Int], of shape: [Int]) -> Bool {
        var s = small
        while let first = s.first, first == 1, s.count > 0 { s.removeFirst() }
        guard s.count <= shape.count else { return false }
        return Array(shape.suffix(s.count)) == s
    }

    /// Strided loop over the broadcast shape (any layout, any broadcast pattern).
    static func general(_ a: Tensor, _ b: Tensor, _ outShape: [Int], _ f: (Float, Float) -> Float) -> Tensor {
        let ea = a.broadcastView(to: outShape), eb = b.broadcastView(to: outShape)
        let rank = outShape.count
        return withExtendedLifetime((ea, eb)) {
            Tensor.produce(outShape) { out in
                let n = ShapeMath.count(outShape)
                if n == 0 { return }
                if rank == 0 { out[0] = f(ea.storage.pointer[ea.offset], eb.storage.pointer[eb.offset]); return }
                let inner = outShape[rank - 1]
                let sa = ea.strides[rank - 1], sb = eb.strides[rank - 1]
                let pa = ea.storage.pointer, pb = eb.storage.pointer
                var index = [Int](repeating: 0, count: rank)
                var oa = ea.offset, ob = eb.offset, o = 0
                for _ in 0..<(n / Swift.max(inner, 1)) {
                    var ia = oa, ib = ob
                    for j in 0..<inner { out[o + j] = f(pa[ia], pb[ib]); ia += sa; ib += sb }
                    o += inner
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1; oa += ea.strides[d]; ob += eb.strides[d]
                        if index[d] < outShape[d] { break }
                        oa -= ea.strides[d] * outShape[d]; ob -= eb.strides[d] * outShape[d]
                        index[d] = 0; d -= 1
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// A stride-0 view of this tensor broadcast to `target` (no autodiff; see `expanded(to:)`).
    func broadcastView(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = target.count - rank
        require(lead >= 0, "expand: cannot expand shape \(shape) to \(target)")
        var newStrides = [Int](repeating: 0, count: target.count)
        for i in 0..<target.count where i >= lead {
            let d = shape[i - lead]
            if d == target[i] { newStrides[i] = strides[i - lead] }
            else { require(d == 1, "expand: cannot expand shape \(shape) to \(target)") }
        }
        return Tensor(storage: storage, offset: offset, shape: target, strides: newStrides)
    }

    /// Sums a broadcast gradient back down to `target` (the shape of the op's input).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        require(lead >= 0, "sumToShape: cannot reduce shape \(shape) to \(target)")
        var dims = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { dims.append(i + lead) }
        var r = dims.isEmpty ? self : sum(dims: dims, keepdim: true)
        if r.shape != target { r = r.reshaped(target) }
        return r
    }
}

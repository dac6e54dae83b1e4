/// How a reduction over some dimensions maps onto a dense [outer, reduced, inner] block.
struct ReductionPlan {
    let input: Tensor          // dense, arranged so the reduced dimensions form one block
    let outer: Int, reduced: Int, inner: Int
    let keptShape: [Int]       // result shape with keepdim
    let outShape: [Int]        // result shape as requested

    init(_ x: Tensor, dims: [Int], keepdim: Bool, op: String) {
        let rank = x.rank
        let ds = Array(Set(dims.map { ShapeMath.normalize($0, rank: rank, op: op) })).sorted()
        var kept = x.shape
        for d in ds { kept[d] = 1 }
        keptShape = kept
        outShape = keepdim ? kept : x.shape.enumerated().filter { !ds.contains($0.offset) }.map(\.element)
        let consecutive = ds.isEmpty || ds.last! - ds.first! + 1 == ds.count
        if consecutive, let first = ds.first {
            input = x.contiguous()
            outer = x.shape[..<first].reduce(1, *)
            reduced = ds.map { x.shape[$0] }.reduce(1, *)
            inner = x.shape[(ds.last! + 1)...].reduce(1, *)
        } else {
            let rest = (0..<rank).filter { !ds.contains($0) }
            input = x.detached().permuted(rest + ds).contiguous()
            outer = rest.map { x.shape[$0] }.reduce(1, *)
            reduced = ds.map { x.shape[$0] }.reduce(1, *)
            inner = 1
        }
    }
}

extension Tensor {
    /// Sum over `dims` (all dimensions when empty).
    public func sum(dims: [Int], keepdim: Bool = false) -> Tensor {
        if dims.isEmpty { return sum() }
        let plan = ReductionPlan(self, dims: dims, keepdim: keepdim, op: "sum")
        let (outer, reduced, inner) = (plan.outer, plan.reduced, plan.inner)
        let src = SendablePointer(plan.input.basePointer)
        let y = Tensor.produce(plan.outShape) { out in
            let dst = SendablePointer(out)
            ThreadPool.shared.parallelFor(outer, grain: Swift.max(1, 65_536 / Swift.max(reduced * inner, 1))) { r in
                for o in r {
                    if inner == 1 {
                        dst.pointer[o] = CPUBackend.sum(src.pointer + o * reduced, count: reduced)
                    } else {
                        (dst.pointer + o * inner).update(repeating: 0, count: inner)
                        CPUBackend.addColumnSums(of: src.pointer + o * reduced * inner, into: dst.pointer + o * inner, rows: reduced, cols: inner)
                    }
                }
            }
        }
        withExtendedLifetime(plan.input) {}
        let (inputShape, kept) = (shape, plan.keptShape)
        return y.recorded("sum", inputs: [self]) { g in
            [g.reshaped(kept).broadcastView(to: inputShape).contiguous()]
        }
    }

    /// Sum over one dimension.
    public func sum(dim: Int, keepdim: Bool = false) -> Tensor { sum(dims: [dim], keepdim: keepdim) }

    /// Sum of all elements (a 0-d tensor).
    public func sum() -> Tensor {
        let x = contiguous()
        let total = withExtendedLifetime(x) { Tensor.parallelSum(x.basePointer, x.count) }
        let inputShape = shape
        return Tensor(total).recorded("sum", inputs: [x]) { g in [Tensor.full(inputShape, g.item())] }
    }

    static func parallelSum(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        let threads = ThreadPool.shared.effectiveThreadCount
        if n < 65_536 || threads == 1 { return CPUBackend.sum(p, count: n) }
        var partial = [Float](repeating: 0, count: threads)
        let sp = SendablePointer(p)
        partial.withUnsafeMutableBufferPointer { buf in
            let pp = SendablePointer(buf.baseAddress!)
            ThreadPool.shared.run { i in
                let chunk = (n + threads - 1) / threads
                let s = i * chunk, e = Swift.min(n, s + chunk)
                if s < e { pp.pointer[i] = CPUBackend.sum(sp.pointer + s, count: e - s) }
            }
        }
        return partial.reduce(0, +)
    }

    /// Mean over `dims` (all when empty).
    public func mean(dims: [Int], keepdim: Bool = false) -> Tensor {
        if dims.isEmpty { return mean() }
        let n = Set(dims.map { ShapeMath.normalize($0, rank: rank, op: "mean") }).map { shape[$0] }.reduce(1, *)
        return sum(dims: dims, keepdim: keepdim) / Float(n)
    }

    /// Mean over one dimension.
    public func mean(dim: Int, keepdim: Bool = false) -> Tensor { mean(dims: [dim], keepdim: keepdim) }

    /// Mean of all elements.
    public func mean() -> Tensor { sum() / Float(Swift.max(count, 1)) }

    /// Variance over `dims` (all when empty); `unbiased` divides by N − 1 (Bessel's correction).
    public func variance(dims: [Int] = [], unbiased: Bool = true, keepdim: Bool = false) -> Tensor {
        let all = dims.isEmpty ? Array(0..<rank) : dims
        let n = Set(all.map { ShapeMath.normalize($0, rank: rank, op: "variance") }).map { shape[$0] }.reduce(1, *)
        let centered = self - mean(dims: all, keepdim: true)
        let ss = square(centered).sum(dims: all, keepdim: keepdim)
        return ss / Float(Swift.max(unbiased ? n - 1 : n, 1))
    }

    /// Variance over one dimension.
    public func variance(dim: Int, unbiased: Bool = true, keepdim: Bool = false) -> Tensor {
        variance(dims: [dim], unbiased: unbiased, keepdim: keepdim)
    }

    /// log Σ exp over `dims`, computed stably.
    public func logsumexp(dims: [Int], keepdim: Bool = false) -> Tensor {
        let all = dims.isEmpty ? Array(0..<rank) : dims
        var m = detached()
        for d in all.sorted(by: >) { m = m.max(dim: d, keepdim: true).values }
        m = Tensor.where(m.abs().eq(.infinity), Tensor(0), m)
        let s = log(exp(self - m).sum(dims: all, keepdim: true)) + m
        return keepdim ? s : s.reshaped(ReductionPlan(detached(), dims: all, keepdim: false, op: "logsumexp").outShape)
    }

    /// log Σ exp over one dimension.
    public func logsumexp(dim: Int, keepdim: Bool = false) -> Tensor { logsumexp(dims: [dim], keepdim: keepdim) }

    /// Element-wise absolute value.
    public func abs() -> Tensor { SynapseCore.abs(self) }
}

// MARK: - max / min / argmax

extension Tensor {
    /// Largest values along `dim` and their indices (the first one on ties).
    public func max(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: IntTensor) {
        extremum(dim: dim, keepdim: keepdim, op: "max", better: >)
    }

    /// Smallest values along `dim` and their indices (the first one on ties).
    public func min(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: IntTensor) {
        extremum(dim: dim, keepdim: keepdim, op: "min", better: <)
    }

    /// Largest element (the gradient goes to its first occurrence).
    public func max() -> Tensor { flattened().max(dim: 0).values }
    /// Smallest element (the gradient goes to its first occurrence).
    public func min() -> Tensor { flattened().min(dim: 0).values }

    /// Index of the largest value along `dim`.
    public func argmax(dim: Int, keepdim: Bool = false) -> IntTensor { self.max(dim: dim, keepdim: keepdim).indices }
    /// Index of the largest element in the flattened tensor.
    public func argmax() -> IntTensor {
        let i = flattened().max(dim: 0).indices
        return IntTensor(shape: [], scalars: i.scalars)
    }
    /// Index of the smallest value along `dim`.
    public func argmin(dim: Int, keepdim: Bool = false) -> IntTensor { self.min(dim: dim, keepdim: keepdim).indices }

    private func extremum(dim: Int, keepdim: Bool, op: String, better: (Float, Float) -> Bool) -> (values: Tensor, indices: IntTensor) {
        require(count > 0, "\(op): cannot reduce an empty tensor")
        let d = ShapeMath.normalize(dim, rank: Swift.max(rank, 1), op: op)
        let x = rank == 0 ? reshaped([1]) : contiguous()
        let plan = ReductionPlan(x.detached(), dims: [d], keepdim: keepdim, op: op)
        let (outer, reduced, inner) = (plan.outer, plan.reduced, plan.inner)
        var idx = [Int](repeating: 0, count: outer * inner)
        let src = plan.input.basePointer
        let values = Tensor.produce(rank == 0 ? [] : plan.outShape) { out in
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = src[o * reduced * inner + i], bi = 0
                    for r in 1..<Swift.max(reduced, 1) {
                        let v = src[(o * reduced + r) * inner + i]
                        if better(v, best) || (v.isNaN && !best.isNaN) { best = v; bi = r }
                    }
                    out[o * inner + i] = best
                    idx[o * inner + i] = bi
                }
            }
        }
        withExtendedLifetime(plan.input) {}
        let indices = IntTensor(shape: values.shape, scalars: idx)
        let inputShape = x.shape
        let y = values.recorded(op, inputs: [x]) { g in
            let gc = g.contiguous()
            var dx = Tensor.zeros(inputShape)
            dx.withUnsafeMutableBufferPointer { dst in
                let gp = gc.basePointer
                for o in 0..<outer { for i in 0..<inner { dst[(o * reduced + idx[o * inner + i]) * inner + i] = gp[o * inner + i] } }
            }
            return [dx]
        }
        return (y, indices)
    }
}

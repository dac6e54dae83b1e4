/// Gradient buffer shared by the pieces of one `split` or `unbind`.
///
/// Each piece writes its gradient into its own region of one buffer, which a single hub node then
/// hands to the input: the backward pass costs one pass over the input. (A piece made with `slice`
/// would instead build a zero tensor of the input's full shape and the input would add them up —
/// O(T²) for T time steps of a recurrence, and three zero fills and two additions of the whole
/// projection for the query, key and value of attention.)
///
/// The buffer takes the input's own layout when that is a dense permutation (e.g. the
/// [3, B, heads, T, d] view of attention's packed projection): the gradient then flows back
/// through the `permuted` and `reshaped` that made the view as views, with no copy.
private final class SplitGradient {
    let shape: [Int]
    let strides: [Int]
    let dim: Int
    /// Where each piece starts along `dim`, and its extent there.
    let starts: [Int]
    let sizes: [Int]
    private var storage: TensorStorage?
    private var written: [Bool]

    init(of x: Tensor, dim: Int, starts: [Int], sizes: [Int]) {
        shape = x.shape
        strides = Self.denseStrides(of: x) ?? ShapeMath.contiguousStrides(x.shape)
        self.dim = dim
        self.starts = starts
        self.sizes = sizes
        written = Array(repeating: false, count: sizes.count)
    }

    /// `t`'s strides when its elements fill `t.count` consecutive floats in some order of its
    /// dimensions (no gaps, no overlap); nil otherwise.
    static func denseStrides(of t: Tensor) -> [Int]? {
        let dims = t.shape.indices.filter { t.shape[$0] != 1 }.sorted { t.strides[$0] > t.strides[$1] }
        var expected = 1
        for d in dims.reversed() {
            guard t.strides[d] == expected else { return nil }
            expected *= t.shape[d]
        }
        return t.strides
    }

    /// Piece `index`'s region of the buffer, with `dim` kept (size `sizes[index]`).
    private func region(_ index: Int, of storage: TensorStorage) -> Tensor {
        var s = shape
        s[dim] = sizes[index]
        return Tensor(storage: storage, offset: starts[index] * strides[dim], shape: s, strides: strides)
    }

    /// Writes piece `index`'s gradient `g` into its region. The tape sums every gradient a piece
    /// receives before running its backward step, and runs each step once, so each piece arrives once.
    func add(_ g: Tensor, piece index: Int) {
        require(!written[index], "split: piece \(index) of \(shape) along dimension \(dim) received its gradient twice")
        let buffer = storage ?? TensorStorage(uninitializedCount: ShapeMath.count(shape))
        storage = buffer
        let view = region(index, of: buffer)
        let gc = g.contiguous()
        StridedCopy.parallelWrite(gc.basePointer, into: view)
        withExtendedLifetime(gc) {}
        written[index] = true
    }

    /// The input's gradient (zeros in the regions of pieces that received none); releases the buffer.
    func take() -> Tensor {
        guard let buffer = storage else { return Tensor.zeros(shape) }
        storage = nil
        for index in sizes.indices where !written[index] {
            let view = region(index, of: buffer)
            StridedCopy.forEachRow(view) { base, inner, stride in
                for j in 0..<inner { buffer.pointer[base + j * stride] = 0 }
            }
        }
        return Tensor(storage: buffer, offset: 0, shape: shape, strides: strides)
    }
}

extension Tensor {
    /// Consecutive pieces of `sizes` along `dim`, as views (PyTorch `torch.split(x, sizes, dim)`).
    ///
    /// Differentiable: the pieces share one backward step that writes each piece's gradient into
    /// its part of the input's gradient (see `SplitGradient`), so splitting into many pieces costs
    /// no more than one pass over the input.
    public func split(_ sizes: [Int], dim: Int = 0) -> [Tensor] {
        let d = ShapeMath.normalize(dim, rank: rank, op: "split")
        require(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[d],
                "split: sizes \(sizes) do not add up to dimension \(d) of \(shape)")
        return pieces(dim: d, sizes: sizes, keepDim: true)
    }

    /// The slices along `dim`, with `dim` removed, as views (PyTorch `torch.unbind`): e.g. the query,
    /// key and value of a packed [3, B, heads, T, d] projection, or the time steps of [T, N, F].
    /// Differentiable like `split`.
    public func unbind(dim: Int = 0) -> [Tensor] {
        let d = ShapeMath.normalize(dim, rank: rank, op: "unbind")
        return pieces(dim: d, sizes: Array(repeating: 1, count: shape[d]), keepDim: false)
    }

    /// The views of `split` and `unbind` (`keepDim` false removes `dim`, whose sizes are then 1).
    private func pieces(dim d: Int, sizes: [Int], keepDim: Bool) -> [Tensor] {
        var starts: [Int] = [], start = 0
        for size in sizes { starts.append(start); start += size }
        func view(_ index: Int) -> Tensor {
            var s = shape, st = strides
            s[d] = sizes[index]
            if !keepDim { s.remove(at: d); st.remove(at: d) }
            return Tensor(storage: storage, offset: offset + starts[index] * strides[d], shape: s, strides: st)
        }
        guard GradMode.isEnabled, node != nil else { return sizes.indices.map(view) }
        let gradient = SplitGradient(of: self, dim: d, starts: starts, sizes: sizes)
        // A one-element node between the input and the pieces: it runs after every piece's backward
        // step and passes the whole gradient on.
        let hub = Tensor.zeros([1]).recorded(keepDim ? "split" : "unbind", inputs: [self]) { _ in [gradient.take()] }
        let nothing = Tensor.zeros([1])
        return sizes.indices.map { index in
            view(index).recorded(keepDim ? "split.piece" : "unbind.piece", inputs: [hub]) { g in
                gradient.add(g, piece: index)
                return [nothing]
            }
        }
    }
}

extension StridedCopy {
    /// `write(src, into: view)` split across the thread pool along the view's outermost dimension
    /// of more than one element, when the view is large enough to pay for it.
    static func parallelWrite(_ src: UnsafePointer<Float>, into view: Tensor) {
        let source = SendablePointer(src)
        forEachChunk(of: view, grain: elementwiseGrain) { part, denseOffset in
            write(source.pointer + denseOffset, into: part)
        }
    }
}

/// An n-dimensional array of `Float` values with reverse-mode automatic differentiation.
///
/// `Tensor` is a value type: assigning it copies cheaply (storage is shared) and mutating a copy
/// never changes the original (copy-on-write). Layout is strided: `permuted`, `transposed`,
/// `expanded` and slicing return views that share storage; kernels that need dense input call
/// `contiguous()` themselves. Broadcasting follows NumPy/PyTorch rules.
///
/// A tensor that `requiresGrad` takes part in the autodiff tape: every op on it records how to send
/// gradients back, and `backward()` fills `grad` of the leaf tensors it depends on.
public struct Tensor: @unchecked Sendable {
    @usableFromInline var storage: TensorStorage
    @usableFromInline var offset: Int
    /// The size of each dimension.
    public private(set) var shape: [Int]
    @usableFromInline var strides: [Int]
    /// The autodiff node of this value, nil when no gradient flows through it.
    @usableFromInline var node: AutogradNode?

    @usableFromInline
    init(storage: TensorStorage, offset: Int = 0, shape: [Int], strides: [Int]? = nil, node: AutogradNode? = nil) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.strides = strides ?? ShapeMath.contiguousStrides(shape)
        self.node = node
    }

    /// A tensor with the given `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        require(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        require(ShapeMath.count(shape) == scalars.count,
                     "Tensor: \(scalars.count) values do not fill shape \(shape) (\(ShapeMath.count(shape)) elements)")
        let s = TensorStorage(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { s.pointer.update(from: $0.baseAddress!, count: scalars.count) }
        self.init(storage: s, shape: shape)
    }

    /// A 1-D tensor of `scalars`.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// A 2-D tensor from nested rows (all rows the same length).
    public init(_ rows: [[Float]]) {
        let cols = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == cols }, "Tensor: rows have different lengths")
        self.init(shape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// A 0-dimensional (scalar) tensor.
    public init(_ value: Float) { self.init(shape: [], scalars: [value]) }

    /// A tensor of `shape` whose elements are filled by `body` on a dense buffer.
    public init(shape: [Int], fill body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let s = TensorStorage(uninitializedCount: ShapeMath.count(shape))
        try body(UnsafeMutableBufferPointer(start: s.pointer, count: s.count == 0 ? 0 : ShapeMath.count(shape)))
        self.init(storage: s, shape: shape)
    }

    // MARK: Properties

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { ShapeMath.count(shape) }
    /// True when elements are laid out densely in row-major order.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// All elements in row-major order.
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// The single value of a one-element tensor.
    public func item() -> Float {
        require(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[offset]
    }

    /// The element at `indices` (one per dimension; negative indices count from the end).
    public func scalar(at indices: [Int]) -> Float {
        require(indices.count == rank, "scalar(at:): \(indices.count) indices for a tensor of shape \(shape)")
        var o = offset
        for (d, i) in indices.enumerated() {
            let j = i < 0 ? i + shape[d] : i
            require(j >= 0 && j < shape[d], "scalar(at:): index \(i) out of range for dimension \(d) of size \(shape[d])")
            o += j * strides[d]
        }
        return storage.pointer[o]
    }

    // MARK: Layout

    /// This tensor with dense row-major storage (itself when already dense). Gradients pass through.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = TensorStorage(uninitializedCount: count)
        StridedCopy.copy(from: self, to: out.pointer)
        return Tensor(storage: out, shape: shape, node: node)
    }

    /// Calls `body` with a dense read-only buffer of the elements (copying only if not dense).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let c = contiguous()
        return try withExtendedLifetime(c.storage) {
            try body(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
        }
    }

    /// Calls `body` with a dense mutable buffer, copying first if the storage is shared or strided.
    /// Writing through it never affects other tensors (copy-on-write).
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || offset != 0 || storage.count != count {
            let fresh = TensorStorage(uninitializedCount: count)
            StridedCopy.copy(from: self, to: fresh.pointer)
            storage = fresh
            offset = 0
            strides = ShapeMath.contiguousStrides(shape)
        }
        storage.version.add(1, ordering: .relaxed)
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Dense pointer for kernels (valid while `self` is alive); `self` must be contiguous.
    @usableFromInline var basePointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
}

extension Tensor {
    /// A new tensor of `shape` produced by a kernel writing into a fresh dense buffer.
    @usableFromInline
    static func produce(_ shape: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let s = TensorStorage(uninitializedCount: ShapeMath.count(shape))
        body(s.pointer)
        return Tensor(storage: s, shape: shape)
    }
}

/// Copies strided tensors into dense buffers.
enum StridedCopy {
    /// Writes the elements of `t` in row-major order to `dst`; large strided copies (a transposed
    /// activation made contiguous, its gradient on the way back) are split across the pool along
    /// the first dimension of more than one element.
    static func copy(from t: Tensor, to dst: UnsafeMutablePointer<Float>) {
        let n = t.count
        if n == 0 { return }
        if !t.isContiguous && n >= 4 * elementwiseGrain {
            let out = SendablePointer(dst)
            forEachChunk(of: t, grain: elementwiseGrain) { part, denseOffset in serialCopy(from: part, to: out.pointer + denseOffset) }
            return
        }
        serialCopy(from: t, to: dst)
    }

    /// Cuts `view` along its first dimension of more than one element into consecutive chunks of
    /// about `grain` elements each, split across the thread pool (the whole view on the caller when
    /// small), and calls `body` with each chunk as a view of the same storage and the offset of its
    /// first element in row-major order: dimensions before the cut have one element, so the chunk
    /// holding rows [a, b) of that dimension starts at a · (elements per row).
    static func forEachChunk(of view: Tensor, grain: Int, _ body: (_ part: Tensor, _ denseOffset: Int) -> Void) {
        guard let d = view.shape.firstIndex(where: { $0 > 1 }) else {
            body(view, 0)
            return
        }
        let outer = view.shape[d], inner = view.count / outer
        parallelChunks(outer, grain: Swift.max(1, grain / Swift.max(inner, 1))) { r in
            guard r.count < outer else { return body(view, 0) }
            var s = view.shape
            s[d] = r.count
            body(Tensor(storage: view.storage, offset: view.offset + r.lowerBound * view.strides[d], shape: s, strides: view.strides),
                 r.lowerBound * inner)
        }
    }

    /// `copy` on the calling thread.
    private static func serialCopy(from t: Tensor, to dst: UnsafeMutablePointer<Float>) {
        let n = t.count
        if n == 0 { return }
        let src = t.storage.pointer
        if t.isContiguous {
            dst.update(from: src + t.offset, count: n)
            return
        }
        let rank = t.rank
        let inner = t.shape[rank - 1], innerStride = t.strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var base = t.offset
        var out = 0
        let rows = n / Swift.max(inner, 1)
        for _ in 0..<rows {
            if innerStride == 1 {
                (dst + out).update(from: src + base, count: inner)
            } else {
                var o = base
                for j in 0..<inner { dst[out + j] = src[o]; o += innerStride }
            }
            out += inner
            // advance the multi-index over the outer dimensions
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
}

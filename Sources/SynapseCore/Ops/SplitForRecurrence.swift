/// Gradient buffer shared by the pieces of one `splitForRecurrence` call.
private final class SplitGradient {
    let shape: [Int]
    let dim: Int
    var buffer: Tensor?

    init(shape: [Int], dim: Int) {
        self.shape = shape
        self.dim = dim
    }

    /// Adds `g` (the gradient of the piece `start..<start + g.shape[dim]` along `dim`) into the buffer.
    func add(_ g: Tensor, start: Int) {
        var b = buffer ?? Tensor.zeros(shape)
        buffer = nil   // `b` is then the only reference, so the writes below do not copy the buffer
        let outer = shape[..<dim].reduce(1, *), extent = shape[dim]
        let inner = shape[(dim + 1)...].reduce(1, *)
        let length = g.shape[dim]
        let gc = g.contiguous()
        gc.withUnsafeBufferPointer { src in
            b.withUnsafeMutableBufferPointer { dst in
                let run = length * inner
                for o in 0..<outer {
                    let d = (o * extent + start) * inner, s = o * run
                    for k in 0..<run { dst[d + k] += src[s + k] }
                }
            }
        }
        buffer = b
    }

    /// The accumulated gradient (zeros where no piece received one), releasing the buffer.
    func take() -> Tensor {
        defer { buffer = nil }
        return buffer ?? Tensor.zeros(shape)
    }
}

/// `x` cut along `dim` into consecutive pieces of `sizes` (views of `x`), for the time steps and
/// gates of the recurrent layers.
///
/// Plain `slice` gives each piece a backward pass that builds a zero tensor of `x`'s full shape, so
/// cutting a [T, N, G] projection into T steps costs O(T²) in the backward pass. Here the pieces
/// add their gradients into one shared buffer instead, which a single hub node hands to `x`: the
/// backward pass costs O(size of x) in all.
package func splitForRecurrence(_ x: Tensor, dim: Int, sizes: [Int]) -> [Tensor] {
    require(sizes.reduce(0, +) == x.shape[dim], "split: sizes \(sizes) do not add up to dimension \(dim) of \(x.shape)")
    var offsets: [Int] = [], start = 0
    for size in sizes { offsets.append(start); start += size }
    guard GradMode.isEnabled, x.requiresGrad else {
        return zip(offsets, sizes).map { x.slice(dim: dim, start: $0, end: $0 + $1) }
    }
    let gradient = SplitGradient(shape: x.shape, dim: dim)
    // A one-element node between x and the pieces: it runs after every piece's backward step and
    // passes the accumulated gradient on to x.
    let hub = Tensor.zeros([1]).recorded("split", inputs: [x]) { _ in [gradient.take()] }
    let base = x.detached()
    return zip(offsets, sizes).map { offset, size in
        base.slice(dim: dim, start: offset, end: offset + size).recorded("split.piece", inputs: [hub]) { g in
            gradient.add(g, start: offset)
            return [Tensor.zeros([1])]
        }
    }
}

/// The steps of x [T, ...] as T tensors [...] (see `splitForRecurrence`).
package func unbindTime(_ x: Tensor) -> [Tensor] {
    splitForRecurrence(x, dim: 0, sizes: Array(repeating: 1, count: x.shape[0])).map { $0.squeezed(0) }
}

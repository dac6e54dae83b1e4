/// A matrix operand as oneDNN sees it: base offset, leading dimension, and whether it is transposed.
struct MatrixOperand {
    let tensor: Tensor
    let transposed: Bool
    let ld: Int

    /// Describes the last two dimensions of `t` without copying when they are row- or column-major.
    init(_ t: Tensor) {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let sr = t.strides[r - 2], sc = t.strides[r - 1]
        if (sc == 1 || cols == 1) && (sr >= Swift.max(cols, 1) || rows == 1) {
            tensor = t; transposed = false; ld = rows == 1 ? Swift.max(cols, 1) : sr
        } else if (sr == 1 || rows == 1) && (sc >= Swift.max(rows, 1) || cols == 1) {
            tensor = t; transposed = true; ld = cols == 1 ? Swift.max(rows, 1) : sc
        } else {
            let c = t.contiguous()
            tensor = c; transposed = false; ld = Swift.max(cols, 1)
        }
    }
}

enum MatmulKernel {
    /// Batched matmul of rank ≥ 2 tensors with broadcast batch dimensions (no autodiff).
    static func matmul(_ a: Tensor, _ b: Tensor, precision: ComputePrecision = .float32) -> Tensor {
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        require(k == k2, "matmul: shapes \(a.shape) and \(b.shape) are not aligned (\(k) != \(k2))")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = ShapeMath.broadcastOrFail(batchA, batchB, op: "matmul")
        let ea = a.broadcastView(to: batch + [m, k]), eb = b.broadcastView(to: batch + [k, n])
        let oa = MatrixOperand(ea), ob = MatrixOperand(eb)
        let count = ShapeMath.count(batch)
        let (aBase, bBase) = (SendablePointer(oa.tensor.storage.pointer), SendablePointer(ob.tensor.storage.pointer))
        return Tensor.produce(batch + [m, n]) { out in
            let c = SendablePointer(out)
            // The products `range` of the batch, in row-major order of its indices.
            func multiply(_ range: Range<Int>) {
                var index = [Int](repeating: 0, count: batch.count), rest = range.lowerBound
                for d in stride(from: batch.count - 1, through: 0, by: -1) { index[d] = rest % batch[d]; rest /= batch[d] }
                for bi in range {
                    var offA = oa.tensor.offset, offB = ob.tensor.offset
                    for d in 0..<batch.count {
                        offA += index[d] * oa.tensor.strides[d]
                        offB += index[d] * ob.tensor.strides[d]
                    }
                    CPUBackend.gemm(precision, transA: oa.transposed, transB: ob.transposed, m: m, n: n, k: k,
                               a: aBase.pointer + offA, lda: oa.ld, b: bBase.pointer + offB, ldb: ob.ld,
                               c: c.pointer + bi * m * n, ldc: Swift.max(n, 1))
                    var d = batch.count - 1
                    while d >= 0 { index[d] += 1; if index[d] < batch[d] { break }; index[d] = 0; d -= 1 }
                }
            }
            if splitsBatch(count: count, m: m, n: n, k: k, precision: precision) {
                ThreadPool.shared.parallelFor(count, grain: 1, multiply)
            } else {
                multiply(0..<count)
            }
            withExtendedLifetime((oa, ob)) {}
        }
    }

    /// Whether a batch of products runs as whole products per thread (each on one thread) rather than
    /// one after another with every product split across the team: small products (attention's
    /// [128, 32]·[32, 128] per head) gain little from a split and pay a barrier each; given a share
    /// of the batch, two threads run W5's attention products 1.3–1.6× faster (Zen 4).
    static func splitsBatch(count: Int, m: Int, n: Int, k: Int, precision: ComputePrecision) -> Bool {
        let threads = ThreadPool.shared.effectiveThreadCount
        // bf16 products run on cached oneDNN matmul handles; keep those on the calling thread. Our own
        // threads (no OpenMP team) would each start an OpenMP team of their own inside sgemm.
        guard threads > 1, ThreadPool.shared.usesOpenMPTeam, precision != .bfloat16, count >= threads else { return false }
        let balanced = count % threads == 0 || count >= 4 * threads
        return balanced && m * n * k <= 1 << 22
    }
}

/// Matrix product with PyTorch `matmul` semantics: 1-D operands are promoted (and the added
/// dimension removed), batch dimensions broadcast. Runs on oneDNN's sgemm; transposed views are
/// passed as transposed operands rather than copied.
///
/// Under `autocast(.bfloat16)` (or `.float16`) both operands are rounded to bfloat16 (or float16) and
/// the products accumulate in Float32 (see `Autocast`).
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    require(a.rank >= 1 && b.rank >= 1, "matmul: both operands need at least one dimension, got \(a.shape) and \(b.shape)")
    if a.rank == 1 { return matmul(a.unsqueezed(0), b).squeezed(-2) }
    if b.rank == 1 { return matmul(a, b.unsqueezed(-1)).squeezed(-1) }
    let precision = Autocast.precision
    if precision != .float32 {
        return recordedMatmul(a.rounded(to: precision), b.rounded(to: precision), precision: precision).gradientRounded(to: precision)
    }
    return recordedMatmul(a, b, precision: .float32)
}

/// `matmul` of operands of rank ≥ 2 at `precision`, recorded on the tape.
private func recordedMatmul(_ a: Tensor, _ b: Tensor, precision: ComputePrecision) -> Tensor {
    let y = MatmulKernel.matmul(a, b, precision: precision)
    let ad = a.detached(), bd = b.detached()
    let (na, nb) = (a.node != nil, b.node != nil)
    return y.recorded("matmul", inputs: [a, b]) { g in
        var ga: Tensor? = nil, gb: Tensor? = nil
        if na { ga = MatmulKernel.matmul(g, bd.transposed(), precision: precision).sumToShape(ad.shape) }
        if nb {
            if bd.rank == 2 && ad.rank > 2 {
                // Fold the batch into rows: one GEMM instead of a batch of them plus a reduction.
                let a2 = ad.contiguous().reshaped([-1, ad.shape[ad.rank - 1]])
                let g2 = g.contiguous().reshaped([-1, g.shape[g.rank - 1]])
                gb = MatmulKernel.matmul(a2.transposed(), g2, precision: precision)
            } else {
                gb = MatmulKernel.matmul(ad.transposed(), g, precision: precision).sumToShape(bd.shape)
            }
        }
        return [ga, gb]
    }
}

extension Tensor {
    /// Matrix product (`matmul(self, other)`).
    public func matmul(_ other: Tensor) -> Tensor { SynapseCore.matmul(self, other) }
}

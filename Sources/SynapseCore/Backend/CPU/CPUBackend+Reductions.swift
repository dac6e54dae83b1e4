import CKernels

/// Reduction kernels on dense float32 buffers.
extension CPUBackend {
    /// The sum of `count` elements (pairwise blocks, so long sums keep float32 accuracy).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float { syn_sum(x, count) }

    /// out[j] += Σ_i x[i, j] over the rows of x [rows, cols] (out is not cleared).
    ///
    /// Large sums (bias gradients: a [tokens, features] gradient summed over its rows) split the
    /// columns across the pool in blocks of 16 (a cache line of `out` each). Every column is still
    /// summed in row order, so the result has the same bits on any number of threads; run on one
    /// thread, the 8 MB sums of W4's LSTM bias gradients kept the second thread idle.
    static func addColumnSums(of x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        let blocks = (cols + 15) / 16
        guard rows * cols >= 1 << 17, blocks >= 2 else {
            syn_sum_rows_into(x, out, rows, cols)
            return
        }
        let (xp, op) = (SendablePointer(x), SendablePointer(out))
        ThreadPool.shared.parallelFor(blocks, grain: 1) { r in
            let c0 = r.lowerBound * 16, c1 = Swift.min(cols, r.upperBound * 16)
            syn_sum_rows_into_ld(xp.pointer + c0, op.pointer + c0, rows, c1 - c0, cols)
        }
    }

    /// Whether every one of `count` elements is finite (one branch-free vectorised pass).
    static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool { syn_all_finite(x, count) != 0 }
}

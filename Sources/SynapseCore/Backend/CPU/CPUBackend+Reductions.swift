import CKernels

/// Reduction kernels on dense float32 buffers.
extension CPUBackend {
    /// The sum of `count` elements (pairwise blocks, so long sums keep float32 accuracy).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float { syn_sum(x, count) }

    /// out[j] += Σ_i x[i, j] over the rows of x [rows, cols] (out is not cleared).
    static func addColumnSums(of x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        syn_sum_rows_into(x, out, rows, cols)
    }

    /// Whether every one of `count` elements is finite (one branch-free vectorised pass).
    static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool { syn_all_finite(x, count) != 0 }
}

import CDNNLPrimitives
import CKernels
import Foundation

extension CPUBackend {
    /// y[i] = x[i] rounded to `precision`'s operand format (Float32 storage; a copy at `.float32`),
    /// split across the pool.
    static func round(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, to precision: ComputePrecision) {
        let src = SendablePointer(x), dst = SendablePointer(y)
        parallelChunks(count) { r in
            let (s, d) = (src.pointer + r.lowerBound, dst.pointer + r.lowerBound)
            switch precision {
            case .float32: d.update(from: s, count: r.count)
            case .bfloat16: syn_round_bf16(s, d, r.count)
            case .float16: syn_round_f16(s, d, r.count)
            }
        }
    }

    /// C = op(A)·op(B) + beta·C, row-major, at `precision`: Float32 on oneDNN's sgemm, bf16 (A and B
    /// must then hold bf16-rounded values) on `BFloat16GEMM`, or float16 (A and B must hold
    /// float16-rounded values) on sgemm: an 11-bit × 11-bit significand product is exact in Float32, so
    /// this computes float16 × float16 products with Float32 accumulation, as a float16 kernel does.
    static func gemm(_ precision: ComputePrecision, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch precision {
        case .float32, .float16:
            DNNL.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        case .bfloat16:
            BFloat16GEMM.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

/// The matrix products of autocast: bf16 operands, Float32 accumulation and result.
///
/// On CPUs where oneDNN has a JIT bf16 matmul (AVX-512 BF16, AMX), the operands are packed to 16-bit
/// bf16 and multiplied there. Elsewhere (e.g. AVX2-only CPUs, where oneDNN 2.x has no bf16 matmul,
/// or only its reference loop) the same values — already rounded, in Float32 storage — go to the
/// Float32 sgemm, which computes exactly the bf16 × bf16 products (8-bit significands multiply
/// exactly in Float32) with Float32 accumulation: the same numbers at Float32 speed.
///
/// The native kernel is checked once per process against the Float32 product of the same bf16 values
/// before it is trusted; `SYNAPSE_BF16=emulated` forces the Float32 path (for comparisons).
enum BFloat16GEMM {
    /// Whether the native kernel is used, and a description for reports.
    struct Status: Sendable {
        let native: Bool
        let description: String
    }

    /// Decided on first use.
    static let status: Status = probe()

    /// C = op(A)·op(B) + beta·C for A and B holding bf16-rounded values.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if status.native && m > 0 && n > 0 && k > 0
            && native(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) {
            return
        }
        DNNL.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// The product on oneDNN's bf16 matmul; false (nothing written) where oneDNN cannot run this layout.
    private static func native(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                               b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        // op(A)[i, p] sits at i·lda + p, or at p·lda + i when transposed; likewise B.
        let (aRow, aCol, aCount) = transA ? (1, lda, (k - 1) * lda + m) : (lda, 1, (m - 1) * lda + k)
        let (bRow, bCol, bCount) = transB ? (1, ldb, (n - 1) * ldb + k) : (ldb, 1, (k - 1) * ldb + n)
        let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: Int32(SYN_DT_BF16.rawValue), aRowStride: aRow, aColStride: aCol,
                                               bType: Int32(SYN_DT_BF16.rawValue), bRowStride: bRow, bColStride: bCol,
                                               bias: false, relu: false, ldc: ldc)
        // A layout oneDNN runs only with its reference loop is slower than sgemm on the same values.
        guard case .success(let handle) = DNNLPrimitiveCache.shared.matmul(key), !handle.implementation.contains("ref") else { return false }
        let aBits = packed(a, count: aCount), bBits = packed(b, count: bCount)
        var result: Int32 = 0
        aBits.withUnsafeBufferPointer { ap in
            bBits.withUnsafeBufferPointer { bp in
                if beta == 0 {
                    result = handle.execute(a: ap.baseAddress, b: bp.baseAddress, bias: nil, c: c)
                } else {
                    // oneDNN's matmul overwrites C: compute aside, then C = beta·C + product.
                    var product = [Float](repeating: 0, count: (m - 1) * ldc + n)
                    product.withUnsafeMutableBufferPointer { pp in
                        result = handle.execute(a: ap.baseAddress, b: bp.baseAddress, bias: nil, c: pp.baseAddress!)
                        guard result == 0 else { return }
                        for i in 0..<m {
                            let row = c + i * ldc, add = pp.baseAddress! + i * ldc
                            for j in 0..<n { row[j] = beta * row[j] + add[j] }
                        }
                    }
                }
            }
        }
        return result == 0
    }

    /// bf16 bit patterns of `count` Float32 values (exact for already-rounded values).
    private static func packed(_ x: UnsafePointer<Float>, count: Int) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            syn_f32_to_bf16(x, buffer.baseAddress!, count)
            initialized = count
        }
    }

    /// Finds out whether oneDNN has a usable bf16 matmul here, and checks it on one product.
    private static func probe() -> Status {
        if ProcessInfo.processInfo.environment["SYNAPSE_BF16"] == "emulated" {
            return Status(native: false, description: "emulated: Float32 kernels on bf16-rounded operands (SYNAPSE_BF16=emulated)")
        }
        let (m, n, k) = (64, 48, 40)
        let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: Int32(SYN_DT_BF16.rawValue), aRowStride: k, aColStride: 1,
                                               bType: Int32(SYN_DT_BF16.rawValue), bRowStride: n, bColStride: 1,
                                               bias: false, relu: false, ldc: n)
        let handle: DNNLPrimitiveCache.Handle
        switch DNNLPrimitiveCache.shared.matmul(key) {
        case .failure:
            return Status(native: false, description: "emulated: Float32 kernels on bf16-rounded operands (oneDNN has no bf16 matmul for this CPU)")
        case .success(let h):
            handle = h
        }
        let implementation = handle.implementation
        if implementation.contains("ref") {
            return Status(native: false, description: "emulated: Float32 kernels on bf16-rounded operands (oneDNN offers only \(implementation))")
        }
        // Values that are exact in bf16, so both paths multiply the same numbers.
        let a = (0..<(m * k)).map { Float(bitPattern: Float(sin(Double($0) * 0.37)).bitPattern & 0xFFFF_0000) }
        let b = (0..<(k * n)).map { Float(bitPattern: Float(cos(Double($0) * 0.91)).bitPattern & 0xFFFF_0000) }
        var reference = [Float](repeating: 0, count: m * n), bf16 = [Float](repeating: .nan, count: m * n)
        DNNL.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &reference, ldc: n)
        let aBits = packed(a, count: a.count), bBits = packed(b, count: b.count)
        let result = handle.execute(a: aBits, b: bBits, bias: nil, c: &bf16)
        // Same products, Float32 sums in another order: |Δ| ≤ k·2⁻²³·Σ|a||b| ≤ 40·2⁻²³·40.
        let worst = zip(reference, bf16).map { abs($0 - $1) }.max() ?? .nan
        guard result == 0, worst <= 1e-3 else {
            return Status(native: false, description: "emulated: Float32 kernels on bf16-rounded operands (oneDNN's \(implementation) failed its check: status \(result), largest difference \(worst))")
        }
        return Status(native: true, description: "oneDNN bf16 matmul (\(implementation))")
    }
}

import CDNNLPrimitives
import CKernels

/// The element-wise passes around the int8 GEMM.
extension CPUBackend {
    /// The smallest and largest of `count` (> 0) elements; callers check finiteness first.
    static func minMax(_ x: UnsafePointer<Float>, count: Int) -> (Float, Float) { (syn_min(x, count), syn_max(x, count)) }

    /// codes[i] = q.quantize(x[i]) for finite x, split across the pool.
    static func quantize(_ x: UnsafePointer<Float>, count: Int, with q: AffineQuantization, into codes: UnsafeMutablePointer<UInt8>) {
        let src = SendablePointer(x), dst = SendablePointer(codes)
        let (inverse, zero, top) = (1 / q.scale, Float(q.zeroPoint), Float(q.quantMax))
        parallelChunks(count) { r in
            syn_quantize_u8(src.pointer + r.lowerBound, dst.pointer + r.lowerBound, r.count, inverse, zero, top)
        }
    }

    /// y[r, c] += bias[c] (when given), then ReLU when `relu`, over y [rows, cols]; rows split across
    /// the pool so each row's pass stays in cache.
    static func addBias(_ bias: UnsafePointer<Float>?, relu: Bool, to y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        let o = SendablePointer(y)
        let b = bias.map { SendablePointer($0) }
        ThreadPool.shared.parallelFor(rows, grain: Swift.max(1, elementwiseGrain / Swift.max(cols, 1))) { r in
            syn_bias_relu_rows(o.pointer + r.lowerBound * cols, b?.pointer, r.count, cols, relu ? 1 : 0)
        }
    }
}

/// The integer product behind `quantizedLinear`: oneDNN's int8 primitive, or a plain loop where
/// oneDNN offers none (same integers, same result).
enum QuantizedGEMM {
    /// out[m, n] = scales[n]·Σₖ (codes[m, k] − zeroPoint)·W[n, k].
    static func run(codes: UnsafePointer<UInt8>, m: Int, weights: QuantizedWeights, scales: [Float], zeroPoint: Int32,
                    out: UnsafeMutablePointer<Float>) {
        let (n, k) = (weights.rows, weights.columns)
        let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: Int32(SYN_DT_U8.rawValue), aRowStride: k, aColStride: 1,
                                               bType: Int32(SYN_DT_S8.rawValue), bRowStride: 1, bColStride: k,
                                               bias: false, relu: false, ldc: n, sourceZeroPoint: zeroPoint != 0)
        if case .success(let handle) = DNNLPrimitiveCache.shared.matmul(key) {
            let status = scales.withUnsafeBufferPointer { s in
                syn_dnnl_qmatmul_execute(handle.pointer, codes, weights.pointer, s.baseAddress, zeroPoint, out)
            }
            withExtendedLifetime(handle) {}
            if status == 0 { return }
        }
        reference(codes: codes, m: m, weights: weights, scales: scales, zeroPoint: zeroPoint, out: out)
    }

    /// The same sums in plain Swift with 32-bit accumulators (the fallback, and the tests' reference).
    static func reference(codes: UnsafePointer<UInt8>, m: Int, weights: QuantizedWeights, scales: [Float], zeroPoint: Int32,
                          out: UnsafeMutablePointer<Float>) {
        let (n, k) = (weights.rows, weights.columns)
        let w = weights.pointer
        for i in 0..<m {
            for j in 0..<n {
                var acc: Int32 = 0
                for t in 0..<k { acc &+= (Int32(codes[i * k + t]) - zeroPoint) * Int32(w[j * k + t]) }
                out[i * n + j] = Float(acc) * scales[j]
            }
        }
    }
}

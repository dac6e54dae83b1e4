/// A tensor stored as bfloat16 (8 exponent bits, 8 significand bits): half the memory of Float32 with
/// Float32's range, for compressed weights and bf16 matrix products. Not differentiated.
///
/// Conversion from Float32 rounds to nearest-even (relative error ≤ 2⁻⁸, half an ulp of the 8-bit
/// significand); NaN stays NaN.
public struct BFloat16Tensor: Sendable, Equatable {
    /// The size of each dimension.
    public let shape: [Int]
    /// Raw bfloat16 bit patterns in row-major order.
    public let bits: [UInt16]

    /// Rounds `tensor` to bfloat16.
    public init(_ tensor: Tensor) {
        shape = tensor.shape
        bits = tensor.withUnsafeBufferPointer { src in src.map(BFloat16Tensor.round) }
    }

    /// Wraps raw bit patterns.
    public init(shape: [Int], bits: [UInt16]) {
        require(ShapeMath.count(shape) == bits.count, "BFloat16Tensor: \(bits.count) values do not fill shape \(shape)")
        self.shape = shape
        self.bits = bits
    }

    /// Number of elements.
    public var count: Int { bits.count }

    /// The values widened back to Float32 (exact).
    public var float32: Tensor {
        Tensor(shape: shape) { out in for (i, b) in bits.enumerated() { out[i] = Float(bitPattern: UInt32(b) << 16) } }
    }

    /// Round-to-nearest-even of a Float32 to bfloat16 bits.
    static func round(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        if x.isNaN { return UInt16(u >> 16) | 0x0040 }
        let rounding = 0x7FFF + ((u >> 16) & 1)
        return UInt16((u &+ rounding) >> 16)
    }
}

/// Matrix product of bfloat16 matrices [M, K] · [K, N] with Float32 accumulation and a Float32 result,
/// on oneDNN (AVX-512 BF16 instructions where the CPU has them).
///
/// Error bound against the Float32 product of the *original* Float32 inputs a, b (before rounding):
/// |Δc_ij| ≤ (2⁻⁷ + K·2⁻²⁴)·Σ_k |a_ik||b_kj| — each input is rounded once (≤ 2⁻⁸ relative each, so
/// ≤ 2⁻⁷ per product, to first order) and the sum is accumulated in Float32. Checked by the test suite.
public func matmul(_ a: BFloat16Tensor, _ b: BFloat16Tensor) throws -> Tensor {
    require(a.shape.count == 2 && b.shape.count == 2, "matmul(bf16): operands must be 2-D, got \(a.shape) and \(b.shape)")
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    require(b.shape[0] == k, "matmul(bf16): shapes \(a.shape) and \(b.shape) are not aligned (\(k) != \(b.shape[0]))")
    let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: 1, aRowStride: k, aColStride: 1,
                                           bType: 1, bRowStride: n, bColStride: 1, bias: false, relu: false, ldc: n)
    let handle = try DNNLPrimitiveCache.shared.matmul(key).get()
    var status: Int32 = 0
    let out = Tensor.produce([m, n]) { c in
        a.bits.withUnsafeBufferPointer { ap in
            b.bits.withUnsafeBufferPointer { bp in
                status = handle.execute(a: ap.baseAddress, b: bp.baseAddress, bias: nil, c: c)
            }
        }
    }
    guard status == 0 else { throw DNNLError(status: status, what: "bf16 matmul \(a.shape)·\(b.shape)") }
    return out
}

/// The oneDNN implementation that runs bf16 matmuls of this shape (for benchmark reports).
public func bf16MatmulImplementation(m: Int, n: Int, k: Int) -> String? {
    let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: 1, aRowStride: k, aColStride: 1,
                                           bType: 1, bRowStride: n, bColStride: 1, bias: false, relu: false, ldc: n)
    return try? DNNLPrimitiveCache.shared.matmul(key).get().implementation
}



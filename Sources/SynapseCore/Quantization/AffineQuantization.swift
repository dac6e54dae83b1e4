/// The affine map between real values and 8-bit integers, q = clamp(round(x / scale) + zeroPoint,
/// quantMin, quantMax) and x ≈ (q − zeroPoint)·scale: one activation tensor's quantization.
///
/// Activations use unsigned integers in 0…127 by default (`activationRange`), PyTorch's
/// `reduce_range=True` for x86: on CPUs without VNNI the int8 GEMM sums pairs of u8·s8 products in
/// 16 bits, which saturates for 8-bit activations (255·127·2 > 32767). One bit of range keeps
/// every CPU exact.
public struct AffineQuantization: Sendable, Equatable, Codable {
    /// Real value of one integer step.
    public let scale: Float
    /// The integer that represents real 0 exactly.
    public let zeroPoint: Int32
    /// Smallest integer used.
    public let quantMin: Int32
    /// Largest integer used.
    public let quantMax: Int32

    /// The integers activations are quantized to: 0…127.
    public static let activationRange: ClosedRange<Int32> = 0...127

    /// A quantization with the given parameters (`scale` finite and positive, `zeroPoint` within
    /// `quantMin…quantMax`).
    public init(scale: Float, zeroPoint: Int32, quantMin: Int32 = activationRange.lowerBound, quantMax: Int32 = activationRange.upperBound) {
        require(scale.isFinite && scale > 0, "AffineQuantization: scale must be finite and positive, got \(scale)")
        require(quantMin < quantMax && (quantMin...quantMax).contains(zeroPoint),
                "AffineQuantization: zero point \(zeroPoint) outside \(quantMin)…\(quantMax)")
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.quantMin = quantMin
        self.quantMax = quantMax
    }

    /// The parameters covering the real range `min…max` (widened to include 0, so zero stays exact),
    /// computed as PyTorch's observers do (`_calculate_qparams`, affine): scale = (max − min) /
    /// (quantMax − quantMin), at least Float's machine epsilon, and zeroPoint = quantMin −
    /// round(min / scale), clamped. `min` and `max` must be finite.
    public init(min: Float, max: Float, quantMin: Int32 = activationRange.lowerBound, quantMax: Int32 = activationRange.upperBound) {
        require(min.isFinite && max.isFinite && min <= max, "AffineQuantization: range \(min)…\(max) is not finite and ordered")
        let lo = Swift.min(min, 0), hi = Swift.max(max, 0)
        let scale = Swift.max((hi - lo) / Float(quantMax - quantMin), Float.ulpOfOne)
        let zero = Float(quantMin) - (lo / scale).rounded(.toNearestOrEven)
        self.init(scale: scale, zeroPoint: Int32(Swift.min(Swift.max(zero, Float(quantMin)), Float(quantMax))),
                  quantMin: quantMin, quantMax: quantMax)
    }

    /// The integer `x` maps to: x times the reciprocal scale, rounded half to even (as PyTorch's
    /// `quantize_per_tensor` and the u8 kernel compute it), plus the zero point, clamped.
    public func quantize(_ x: Float) -> Int32 {
        let v = (x * (1 / scale)).rounded(.toNearestOrEven) + Float(zeroPoint)
        return Int32(Swift.min(Swift.max(v, Float(quantMin)), Float(quantMax)))
    }

    /// The real value integer `q` stands for.
    public func dequantize(_ q: Int32) -> Float { Float(q - zeroPoint) * scale }
}

/// How the input of an int8 layer is quantized.
public enum ActivationQuantization: Sendable, Equatable {
    /// Per batch at run time from the batch's own minimum and maximum (PyTorch's dynamic quantization).
    case dynamic
    /// Fixed parameters found by calibration (static quantization).
    case fixed(AffineQuantization)
}

/// Conversions of numbers read from checkpoints, which never trap: a damaged or hostile file must
/// produce an error, and `Int(Double)` traps on NaN, infinities and values beyond `Int`.
extension Double {
    /// Largest count a checkpoint may hold (2^40): far beyond any real epoch or step count, and
    /// small enough that arithmetic on it (`step + 1`, `step * batchSize`) cannot overflow.
    static let maximumCheckpointCount = 1_099_511_627_776.0

    /// The value as a count, or nil unless it is an integer in `0...2^40`.
    var exactCount: Int? {
        guard isFinite, self >= 0, self <= Double.maximumCheckpointCount, self == rounded() else { return nil }
        return Int(self)
    }
}

extension Float {
    /// The value as a count, or nil unless it is an integer in `0...2^40`.
    var exactCount: Int? { Double(self).exactCount }
}

extension Tensor {
    /// Index of the first NaN or infinity, or nil when every element is finite.
    ///
    /// One pass takes the maximum of the exponent bits (an integer reduction the compiler
    /// vectorises); only a tensor that holds a non-finite value is searched element by element.
    func firstNonFiniteIndex() -> Int? {
        contiguous().withUnsafeBufferPointer { buf -> Int? in
            var top: UInt32 = 0
            for v in buf { top = Swift.max(top, v.bitPattern & 0x7F80_0000) }
            guard top == 0x7F80_0000 else { return nil }
            return buf.firstIndex { !$0.isFinite }
        }
    }
}

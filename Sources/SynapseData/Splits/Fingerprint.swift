import SynapseCore

/// A 64-bit FNV-1a hash of an example's contents, for finding duplicate rows across splits.
///
/// Unlike Swift's `Hasher` it is the same in every process, so fingerprints can be stored and
/// compared between runs. Floats are hashed by value: `-0.0` equals `0.0` and every NaN equals
/// every other NaN.
public struct Fingerprint: Sendable, Equatable {
    /// The hash so far.
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// An empty fingerprint.
    public init() {}

    /// Mixes in one byte.
    public mutating func combine(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// Mixes in the 8 bytes of `word`.
    public mutating func combine(word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { combine(byte: UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }

    /// Mixes in a number.
    public mutating func combine(_ number: Double) {
        let canonical = number.isNaN ? Double.nan : (number == 0 ? 0 : number)
        combine(word: canonical.bitPattern)
    }

    /// Mixes in an optional string (nil and "" differ); a length prefix keeps `["ab", "c"]` and
    /// `["a", "bc"]` apart.
    public mutating func combine(_ text: String?) {
        guard let text else {
            combine(byte: 0)
            return
        }
        combine(byte: 1)
        combine(word: UInt64(text.utf8.count))
        for b in text.utf8 { combine(byte: b) }
    }

    /// Fingerprints of each row (leading dimension) of `tensor`.
    public static func rows(of tensor: Tensor) -> [UInt64] {
        require(tensor.rank >= 1, "Fingerprint.rows: tensor needs a leading example dimension, got shape \(tensor.shape)")
        let n = tensor.shape[0]
        let rowSize = n == 0 ? 0 : tensor.count / n
        let values = tensor.contiguous().scalars
        return (0..<n).map { row in
            var hash = Fingerprint()
            for v in values[(row * rowSize)..<((row + 1) * rowSize)] { hash.combine(Double(v)) }
            return hash.value
        }
    }
}

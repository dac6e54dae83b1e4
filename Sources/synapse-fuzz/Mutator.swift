/// SplitMix64: a tiny seeded generator, so mutant `i` of seed `s` is the same on every machine.
struct FuzzRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x2545_F491_4F6C_DD1D }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Mutations a damaged or hostile file shows in practice: truncation, bit rot, overwritten length
/// fields, huge numbers in text, inserted and deleted ranges, duplicated chunks.
enum Mutator {
    /// Text tokens that break parsers that trust numbers or structure.
    static let hostileTokens: [String] = [
        "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "-0", "1.8e19", "18446744073709551615",
        "99999999999999999999999", "100000000000", "-1e300", "\"", "{", "}", "[", "]", ",", "null", "true", "\u{0}",
    ]

    /// The `index`-th mutant of `original` for run seed `seed`: one to three mutations applied in turn.
    static func mutate(_ original: [UInt8], seed: UInt64, index: Int) -> [UInt8] {
        var rng = FuzzRandom(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        var bytes = original
        for _ in 0...rng.below(3) where !bytes.isEmpty { apply(&bytes, &rng) }
        return bytes
    }

    private static func apply(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        let n = bytes.count
        // Mutations near the start (headers, length fields) are more interesting than in bulk data.
        let at = rng.below(2) == 0 ? rng.below(min(n, 256)) : rng.below(n)
        switch rng.below(10) {
        case 0: // truncate
            bytes.removeSubrange(rng.below(n)..<n)
        case 1: // flip one bit
            bytes[at] ^= UInt8(1 << rng.below(8))
        case 2: // set a byte to a boundary value
            bytes[at] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x30, 0x39][rng.below(7)]
        case 3: // overwrite 1, 2, 4 or 8 bytes with a little-endian boundary integer
            let width = [1, 2, 4, 8][rng.below(4)]
            let values: [UInt64] = [0, 1, 0x7F, 0xFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, UInt64.max, UInt64(n), UInt64(n) &+ 1, UInt64(n) &- 1]
            var v = values[rng.below(values.count)]
            for k in 0..<width where at + k < n { bytes[at + k] = UInt8(truncatingIfNeeded: v); v >>= 8 }
        case 4: // add or subtract a small amount to a byte (length fields off by a few)
            bytes[at] = bytes[at] &+ UInt8(truncatingIfNeeded: rng.below(15) - 7)
        case 5: // delete a range
            bytes.removeSubrange(at..<min(n, at + 1 + rng.below(16)))
        case 6: // insert random bytes
            bytes.insert(contentsOf: (0..<(1 + rng.below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 7: // duplicate a chunk
            let chunk = Array(bytes[at..<min(n, at + 1 + rng.below(64))])
            bytes.insert(contentsOf: chunk, at: rng.below(bytes.count))
        case 8: // replace a run of ASCII digits (a number in JSON/CSV text) with a hostile token
            var start = at
            while start < n, !(bytes[start] >= 0x30 && bytes[start] <= 0x39) { start += 1 }
            if start == n { start = at }
            var end = start
            while end < n, (bytes[end] >= 0x30 && bytes[end] <= 0x39) || bytes[end] == 0x2E || bytes[end] == 0x2D || bytes[end] == 0x65 { end += 1 }
            bytes.replaceSubrange(start..<max(end, min(n, start + 1)), with: Array(hostileTokens[rng.below(hostileTokens.count)].utf8))
        default: // many bit flips (bit rot)
            for _ in 0..<(2 + rng.below(30)) { bytes[rng.below(n)] ^= UInt8(1 << rng.below(8)) }
        }
    }
}

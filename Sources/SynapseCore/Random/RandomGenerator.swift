import Foundation
import Synchronization

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Same seed, same sequence, on every platform: weight init, dropout masks and shuffling are
/// reproducible. It is a reference type so one generator can be shared by the code that draws from
/// it; it is not meant to be drawn from by two threads at once (`global` is locked).
public final class RandomGenerator: @unchecked Sendable, RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private let lock = Mutex(())

    /// A generator seeded with `seed`.
    public init(seed: UInt64) { reseed(seed) }

    /// A generator for one purpose (`stream`) derived from a user seed.
    ///
    /// Seeding two generators with the same number makes them produce the same sequence, so weight
    /// initialisation and data shuffling driven by one `--seed` would consume identical random
    /// numbers. Components that draw randomness for their own purpose derive an independent stream
    /// instead (the idea of NumPy's `SeedSequence` / JAX's key splitting): the stream id is mixed
    /// into the seed through SplitMix64, and stream 0 is the plain `init(seed:)` sequence.
    public convenience init(seed: UInt64, stream: RandomStream) {
        self.init(seed: stream.rawValue == 0 ? seed : RandomGenerator.mix(seed ^ RandomGenerator.mix(stream.rawValue)))
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    static func mix(_ x0: UInt64) -> UInt64 {
        var z = x0 &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The process-wide default generator (seed 0 until `manualSeed` is called).
    public static let global = RandomGenerator(seed: 0)

    /// Restarts the sequence from `seed`.
    public func reseed(_ seed: UInt64) {
        lock.withLock { _ in
            var x = seed
            func splitmix() -> UInt64 {
                x &+= 0x9E37_79B9_7F4A_7C15
                var z = x
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            s = (splitmix(), splitmix(), splitmix(), splitmix())
        }
    }

    /// The generator's full state, for checkpoints.
    public var state: [UInt64] {
        get { lock.withLock { _ in [s.0, s.1, s.2, s.3] } }
        set {
            require(newValue.count == 4, "RandomGenerator.state needs 4 words")
            lock.withLock { _ in s = (newValue[0], newValue[1], newValue[2], newValue[3]) }
        }
    }

    /// The next 64 random bits.
    public func next() -> UInt64 {
        lock.withLock { _ in
            let result = rotl(s.1 &* 5, 7) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = rotl(s.3, 45)
            return result
        }
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Fills `out` with uniforms in [0, 1) — exactly the values `out.count` calls of `nextUniform()`
    /// would return, in order — taking the lock once instead of once per value (a dropout mask over
    /// a 2,708 × 1,433 feature matrix spent a quarter of its training step in the per-value lock).
    public func fillUniform(_ out: UnsafeMutableBufferPointer<Float>) {
        lock.withLock { _ in
            var (s0, s1, s2, s3) = s
            for i in out.indices {
                let result = rotl(s1 &* 5, 7) &* 9
                let t = s1 << 17
                s2 ^= s0
                s3 ^= s1
                s1 ^= s2
                s0 ^= s3
                s2 ^= t
                s3 = rotl(s3, 45)
                out[i] = Float(result >> 40) * (1.0 / 16_777_216.0)
            }
            s = (s0, s1, s2, s3)
        }
    }

    /// Uniform in [0, 1) as Double (53 bits).
    public func nextUniformDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// A standard normal sample (Box-Muller in Double).
    public func nextNormal() -> Float {
        let u1 = Swift.max(nextUniformDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextUniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A uniformly random integer in `0..<upperBound`.
    public func nextInt(below upperBound: Int) -> Int {
        require(upperBound > 0, "nextInt(below:): bound must be positive")
        var g = self
        return Int.random(in: 0..<upperBound, using: &g)
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// Seeds the global generator (PyTorch `torch.manual_seed`).
public func manualSeed(_ seed: UInt64) { RandomGenerator.global.reseed(seed) }

/// Purposes that draw their own random stream from a shared seed (see `RandomGenerator(seed:stream:)`).
public struct RandomStream: RawRepresentable, Hashable, Sendable {
    /// The stream id.
    public let rawValue: UInt64
    /// Creates a stream id.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The plain sequence of `RandomGenerator(seed:)` (weight initialisation uses it).
    public static let main = RandomStream(rawValue: 0)
    /// Data order: `DataLoader` shuffling.
    public static let dataOrder = RandomStream(rawValue: 1)
    /// Data augmentation.
    public static let augmentation = RandomStream(rawValue: 2)
    /// Dropout masks and other in-model sampling.
    public static let sampling = RandomStream(rawValue: 3)
}

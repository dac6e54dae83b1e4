import Glibc

/// Clock readings and the statistics the benchmarks report.
enum Timing {
    /// Seconds on the monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`, ~20 ns per reading).
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Wall-clock seconds that `body` takes.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return now() - start
    }

    /// Seconds per call of `body`, timed over `iterations` back-to-back calls.
    static func secondsPerCall(iterations: Int, _ body: () -> Void) -> Double {
        seconds { for _ in 0..<iterations { body() } } / Double(iterations)
    }

    /// How many back-to-back calls of `body` take at least `minimumSeconds`, judged from one
    /// timed call (after the caller's warm-up); at least 1.
    static func iterations(toFill minimumSeconds: Double, _ body: () -> Void) -> Int {
        let once = seconds(body)
        return Swift.max(1, Int((minimumSeconds / Swift.max(once, 1e-9)).rounded(.up)))
    }

    /// The median of `values` (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let s = values.sorted(), mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }

    /// The `p`-th percentile (0...100) of `values`, nearest-rank definition.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty && (0...100).contains(p), "percentile \(p) of \(values.count) values")
        let s = values.sorted()
        let rank = Int((p / 100 * Double(s.count)).rounded(.up))
        return s[Swift.min(Swift.max(rank, 1), s.count) - 1]
    }
}

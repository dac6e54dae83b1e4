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
    static func secondsPerCall(iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        try seconds { for _ in 0..<iterations { try body() } } / Double(iterations)
    }

    /// How many back-to-back calls of `body` take at least `minimumSeconds`, judged from one
    /// timed call (after the caller's warm-up); at least 1.
    static func iterations(toFill minimumSeconds: Double, _ body: () throws -> Void) rethrows -> Int {
        let once = try seconds(body)
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

/// CPU time used by this process and by the whole machine, to notice when other processes
/// competed for the cores during a measurement (2-thread figures collapse when they do).
struct CPUUsage {
    /// Busy CPU seconds of the whole machine since boot (`/proc/stat`), nil if unreadable.
    let machine: Double?
    /// CPU seconds this process has used (all its threads).
    let process: Double

    /// The current readings.
    static func now() -> CPUUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let own = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
        return CPUUsage(machine: machineBusySeconds(), process: own)
    }

    /// CPU seconds other processes used between `earlier` and `self` (nil if unknown).
    func othersSeconds(since earlier: CPUUsage) -> Double? {
        guard let m1 = machine, let m0 = earlier.machine else { return nil }
        return (m1 - m0) - (process - earlier.process)
    }

    private static func machineBusySeconds() -> Double? {
        guard let file = fopen("/proc/stat", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        guard fgets(&line, Int32(line.count), file) != nil else { return nil }
        // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks.
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard fields.count == 8 else { return nil }
        return (fields.reduce(0, +) - fields[3] - fields[4]) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

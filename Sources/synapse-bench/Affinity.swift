import Glibc

/// Errors raised while pinning the process to a core.
struct AffinityError: Error, CustomStringConvertible {
    /// What failed.
    let description: String
}

/// Pins the 1-thread benchmark run to one core.
///
/// `sched_setaffinity` applies to the calling thread, and every thread created afterwards inherits
/// its mask — the Synapse pool's workers and oneDNN's OpenMP team included — so pinning first
/// thing in `main`, before `ThreadPool.shared` is touched, pins the whole process. Glibc declares
/// the call only under `_GNU_SOURCE`, which Swift's Glibc module does not define, so it is looked
/// up with `dlsym` (the same symbol `taskset` uses).
enum Affinity {
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> Int32

    private static func lookUp(_ name: String) throws -> AffinityCall {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else {
            throw AffinityError(description: "cannot find \(name) in the C library")
        }
        return unsafeBitCast(symbol, to: AffinityCall.self)
    }

    /// The CPUs the calling thread may run on.
    static func allowedCPUs() throws -> [Int] {
        var set = cpu_set_t()
        let getAffinity = try lookUp("sched_getaffinity")
        let status = withUnsafeMutableBytes(of: &set) { getAffinity(0, $0.count, $0.baseAddress) }
        guard status == 0 else { throw AffinityError(description: "sched_getaffinity failed (errno \(errno))") }
        return withUnsafeBytes(of: &set) { bytes in
            (0..<bytes.count * 8).filter { bytes[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
        }
    }

    /// Restricts the calling thread (and the threads it creates later) to one CPU it is allowed on
    /// — the `index`-th, wrapping around (processes of one job pass their local rank) — and
    /// returns that CPU's number.
    @discardableResult
    static func pinToOneCore(index: Int = 0) throws -> Int {
        let allowed = try allowedCPUs()
        guard !allowed.isEmpty else { throw AffinityError(description: "no CPU in the affinity mask") }
        let cpu = allowed[max(index, 0) % allowed.count]
        try pin(to: cpu)
        return cpu
    }

    /// Restricts the calling thread (and the threads it creates later) to `cpu`.
    static func pin(to cpu: Int) throws {
        guard cpu >= 0 && cpu < MemoryLayout<cpu_set_t>.size * 8 else { throw AffinityError(description: "no CPU \(cpu)") }
        var set = cpu_set_t()
        let setAffinity = try lookUp("sched_setaffinity")
        let status = withUnsafeMutableBytes(of: &set) { bytes in
            bytes[cpu / 8] = 1 << UInt8(cpu % 8)
            return setAffinity(0, bytes.count, bytes.baseAddress)
        }
        guard status == 0 else { throw AffinityError(description: "sched_setaffinity to CPU \(cpu) failed (errno \(errno))") }
    }
}

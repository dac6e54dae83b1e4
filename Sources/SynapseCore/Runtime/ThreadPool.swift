import Foundation
import Synchronization
import CKernels

/// The one intra-op thread pool every parallel kernel uses.
///
/// When oneDNN's OpenMP runtime (libgomp) is loaded — always, on Linux with Debian's oneDNN — parallel
/// regions run on OpenMP's own thread team. oneDNN's GEMMs and our kernels then share one set of
/// threads: they never run at once, and neither team spins on a core the other needs (measured on 2
/// cores: a separate pool made the Adam step 1.8x slower while OpenMP's idle threads spun).
///
/// The team adapts to a busy machine: when another process takes a core, a team thread sharing it
/// loses whole scheduler ticks and every region waits for it. Regions that finish far later on one
/// thread than on the others drop the team to the calling thread alone (oneDNN's OpenMP team too) for
/// a back-off period of 50 ms to 2 s, after which the full team is tried again. `SYNAPSE_ADAPTIVE_THREADS=0`
/// turns this off; `isTeamReduced` and `teamReductions` show it at work.
///
/// Without libgomp, the pool runs its own persistent threads: a call hands each worker one slice of
/// the work and the caller runs slice 0 itself. Idle workers spin briefly on an atomic generation
/// counter before parking, so back-to-back kernels pay well under a microsecond to dispatch instead
/// of the tens of microseconds a parked `concurrentPerform` costs.
public final class ThreadPool: @unchecked Sendable {
    /// The shared pool, sized by `SYNAPSE_NUM_THREADS` (default: all cores).
    public static let shared = ThreadPool(threadCount: ThreadPool.defaultThreadCount)

    /// `SYNAPSE_NUM_THREADS` if set to a positive integer, otherwise the number of active cores.
    public static var defaultThreadCount: Int {
        if let s = ProcessInfo.processInfo.environment["SYNAPSE_NUM_THREADS"], let n = Int(s), n > 0 { return n }
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Number of threads that run a parallel region (the caller included), as configured.
    public var threadCount: Int { activeThreads.load(ordering: .relaxed) }

    /// The number of threads a region started now runs on: `threadCount`, or 1 while the team is
    /// reduced on a busy machine. Kernels that size their work split by this.
    public var effectiveThreadCount: Int { Int(syn_parallel_team_size(Int32(threadCount))) }

    /// True while regions run on the calling thread alone because team threads were losing
    /// scheduler ticks to another process (see the type's documentation).
    public var isTeamReduced: Bool { syn_parallel_team_reduced() != 0 }

    /// How many times the team was reduced to one thread, and how many regions were found
    /// disturbed (a thread finishing far later than the others), since the process started.
    public var teamReductions: (reductions: Int, disturbedRegions: Int) {
        var reductions: Int64 = 0, disturbed: Int64 = 0
        syn_parallel_team_stats(&reductions, &disturbed)
        return (Int(reductions), Int(disturbed))
    }

    /// Makes every parallel region the calling thread starts run on that thread alone (`true`), for
    /// threads that are themselves one of several running side by side, such as an inference
    /// server's batch workers: a batch-1 request then pays no team wake-up (tens of microseconds,
    /// more than a small model's whole forward pass), and two workers never contend for one team.
    /// oneDNN's regions from this thread follow. `false` gives the thread the shared team back.
    public static func setCallingThreadSerial(_ serial: Bool) {
        // The shared pool sets OpenMP's thread count when first touched: on this thread, that
        // must happen before, not after, the count drops to one.
        _ = shared
        if serial {
            syn_parallel_set_thread_serial(1)
        } else {
            syn_parallel_set_thread_serial(0)
            syn_omp_set_num_threads(Int32(shared.threadCount))
        }
    }

    /// Names the calling thread as `top -H`, `perf` and debuggers show it (Linux keeps the first
    /// 15 bytes). Foundation's `Thread.name`, set before `start()`, does not reach the system thread
    /// on Linux; call this from inside the thread instead.
    public static func nameCallingThread(_ name: String) {
        var bytes = Array(name.utf8.prefix(15))
        // Never cut a UTF-8 sequence in half.
        while let last = bytes.last, last >= 0x80 { bytes.removeLast() }
        bytes.append(0)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { syn_set_thread_name($0.baseAddress!) }
        }
    }

    /// True when the calling thread runs its regions alone (`setCallingThreadSerial`).
    public static var isCallingThreadSerial: Bool { syn_parallel_thread_serial() != 0 }

    /// Turns the adaptive team size on or off for this process (on by default).
    public func setAdaptive(_ enabled: Bool) { syn_parallel_set_adaptive(enabled ? 1 : 0) }

    private let maxThreads: Int
    private let activeThreads: Atomic<Int>
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var task: ((Int) -> Void)?
    private let lock = NSCondition()
    /// True when regions run on the OpenMP team rather than on our own threads.
    public let usesOpenMPTeam: Bool

    private init(threadCount: Int) {
        maxThreads = Swift.max(1, threadCount)
        activeThreads = Atomic(maxThreads)
        usesOpenMPTeam = syn_parallel_available() != 0
        for worker in 1..<Swift.max(maxThreads, 1) where !usesOpenMPTeam {
            let thread = Thread { [unowned self] in self.workerLoop(worker) }
            thread.name = "synapse-worker-\(worker)"
            thread.start()
        }
        syn_omp_set_num_threads(Int32(maxThreads))
    }

    /// Sets how many threads parallel regions use (at most the pool's size), for our kernels and for
    /// oneDNN's OpenMP runtime alike.
    public func setThreadCount(_ n: Int) {
        let clamped = Swift.min(Swift.max(1, n), maxThreads)
        activeThreads.store(clamped, ordering: .relaxed)
        syn_omp_set_num_threads(Int32(clamped))
    }

    /// Runs `body(i)` for `i` in `0..<threadCount` in parallel (caller runs 0) and waits for all.
    /// Nested calls (from inside a parallel region) run serially on the calling thread.
    public func run(_ body: (Int) -> Void) {
        let n = threadCount
        if n == 1 || syn_parallel_thread_serial() != 0 || busy.exchange(true, ordering: .acquiring) {
            for i in 0..<(n == 1 ? 1 : n) { body(i) }
            return
        }
        if usesOpenMPTeam {
            // The team calls back through a C function pointer with a pointer to the closure; nothing
            // retains the closure, so it cannot escape.
            withoutActuallyEscaping(body) { escaping in
                var closure = escaping
                withUnsafeMutablePointer(to: &closure) { context in
                    syn_parallel_run({ context, index in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                    }, context, Int32(n))
                }
            }
            busy.store(false, ordering: .releasing)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            lock.lock()
            task = escaping
            remaining.store(maxThreads - 1, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            lock.broadcast()
            lock.unlock()
            escaping(0)
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 1000 { sched_yield() }
            }
            task = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Runs `body(index, teamSize)` once on every thread of one region whose body may wait for the
    /// whole team at a barrier (the C kernels' `syn_parallel_barrier`), so a chain of dependent steps
    /// costs one fork instead of one per step. Where no team can be formed (one thread, a serial
    /// thread, a reduced team, a nested call, no OpenMP runtime) it calls `body(0, 1)` once: the body
    /// must then do all the work itself.
    func runTeam(_ body: (_ index: Int, _ teamSize: Int) -> Void) {
        let n = threadCount
        guard n > 1, usesOpenMPTeam, syn_parallel_thread_serial() == 0, !busy.exchange(true, ordering: .acquiring) else {
            body(0, 1)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            var closure = escaping
            withUnsafeMutablePointer(to: &closure) { context in
                syn_parallel_run_team({ context, index, team in
                    context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(Int(index), Int(team))
                }, context, Int32(n))
            }
        }
        busy.store(false, ordering: .releasing)
    }

    /// Splits `0..<count` into contiguous chunks, one per thread, when there is at least
    /// `grain` work per thread; otherwise runs `body(0..<count)` on the caller.
    public func parallelFor(_ count: Int, grain: Int = 32_768, _ body: (Range<Int>) -> Void) {
        // A reduced team runs every chunk on the caller anyway: skip the split.
        let n = Swift.min(effectiveThreadCount, count / Swift.max(grain, 1))
        if n <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let threads = threadCount
        run { i in
            let chunk = (count + threads - 1) / threads
            let start = i * chunk, end = Swift.min(count, start + chunk)
            if start < end { body(start..<end) }
        }
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            // Spin a little: the next kernel usually follows within microseconds.
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < 20_000 { spins += 1 }
            if generation.load(ordering: .acquiring) == seen {
                lock.lock()
                while generation.load(ordering: .acquiring) == seen { lock.wait() }
                lock.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            lock.lock()
            var work = task
            lock.unlock()
            if index < threadCount { work?(index) }
            // Drop our reference before signalling: the caller's `withoutActuallyEscaping` checks
            // that no one still holds the closure once every worker has reported.
            work = nil
            remaining.subtract(1, ordering: .releasing)
        }
    }
}

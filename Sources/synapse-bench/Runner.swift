import Foundation
import Synapse

/// Runs the selected workloads at a thread count: in this process for one count, or in one child
/// process per count, so that the 1-thread run's pinning and pool size never leak into the next.
enum Runner {
    /// Configures `threads` and runs `ids` in this process, printing each JSON line as it is
    /// measured. For 1 thread the process is pinned to one core first; the pool, created at its
    /// first use just after, is sized to exactly `threads` (no idle workers).
    /// With `contended` (a competitor is known to be running: the contention workload), each figure
    /// carries `"contended": true` and how often the thread team was reduced, and the warning about
    /// other processes is not printed.
    static func runHere(_ ids: [WorkloadID], threads: Int, settings: BenchSettings, contended: Bool = false) throws -> [Measurement] {
        // Processes of one mpirun job on this host pin to different cores (each its own when mpirun binds them).
        let localRank = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_RANK"] ?? "") ?? 0
        let pinned = threads == 1 ? ", pinned to CPU \(try Affinity.pinToOneCore(index: localRank))" : ", not pinned"
        setenv("SYNAPSE_NUM_THREADS", String(threads), 1)
        ThreadPool.shared.setThreadCount(threads)
        guard ThreadPool.shared.threadCount == threads else {
            throw BenchError("the thread pool runs \(ThreadPool.shared.threadCount) threads, not the \(threads) asked for")
        }
        log("synapse-bench: \(ids.map(\.rawValue).joined(separator: " ")) at \(threads) thread(s)\(pinned)"
            + (settings.quick ? " (quick smoke run)" : ""))
        var results: [Measurement] = []
        for id in ids {
            let (before, start) = (CPUUsage.now(), Timing.now())
            try id.make(settings).run(threads: threads) { measured in
                var m = measured
                if contended {
                    let team = ThreadPool.shared.teamReductions
                    m.extras += [("contended", .bool(true)), ("team_reductions", .int(team.reductions)),
                                 ("disturbed_regions", .int(team.disturbedRegions))]
                }
                print(m.jsonLine)
                fflush(nil)
                results.append(m)
            }
            // /proc/stat counts in 10 ms ticks, so sub-second smoke runs need an absolute floor too.
            // Under mpirun the job's other processes are part of the workload (W12), not a disturbance.
            let inJob = (Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] ?? "") ?? 1) > 1
            if !contended, !inJob, let others = CPUUsage.now().othersSeconds(since: before), others > max(0.1 * (Timing.now() - start), 0.05) {
                log(String(format: "synapse-bench: warning: other processes used %.2f CPU-seconds while %@ ran for %.2f s; "
                           + "its figures are distorted (check `top`, rerun on a quiet machine)",
                           others, id.rawValue, Timing.now() - start))
            }
        }
        return results
    }

    /// Runs `ids` once per thread count, each in a child process of this executable with
    /// `--threads N --no-summary`; JSON lines are passed on to standard output as they arrive and
    /// anything else the child prints (e.g. `ONEDNN_VERBOSE` lines) goes to standard error.
    static func runInChildren(_ ids: [WorkloadID], threadCounts: [Int], settings: BenchSettings,
                              extraArguments: [String] = []) throws -> [Measurement] {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var results: [Measurement] = []
        for threads in threadCounts {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = ids.map(\.rawValue) + ["--threads", String(threads), "--no-summary"]
                + (settings.quick ? ["--quick"] : []) + (settings.accuracy ? ["--accuracy"] : [])
                + (settings.seed != 0 ? ["--seed", String(settings.seed)] : [])
                + (settings.bucketMB != 25 ? ["--bucket-mb", String(settings.bucketMB)] : [])
                + (settings.globalBatch != 64 ? ["--global-batch", String(settings.globalBatch)] : []) + extraArguments
            let pipe = Pipe()
            child.standardOutput = pipe
            try child.run()
            var pending = Data()
            func pass(_ line: Data) {
                let text = String(decoding: line, as: UTF8.self)
                if let m = Measurement.parse(text) {
                    print(text)
                    fflush(nil)
                    results.append(m)
                } else if !text.isEmpty {
                    log(text)
                }
            }
            while case let chunk = pipe.fileHandleForReading.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    pass(pending[pending.startIndex..<newline])
                    pending = pending[(newline + 1)...]
                }
            }
            pass(pending)
            child.waitUntilExit()
            guard child.terminationReason == .exit, child.terminationStatus == 0 else {
                throw BenchError("the \(threads)-thread run failed (status \(child.terminationStatus))")
            }
        }
        return results
    }

    /// Writes `message` and a newline to standard error.
    static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// A failure of the benchmark run itself (not of a workload's figures).
struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
    /// An error with `description`.
    init(_ description: String) { self.description = description }
}

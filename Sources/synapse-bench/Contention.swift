import Foundation
import Synapse

/// W7, the contention workload: W2 and W6 at the default thread count (all cores) while a competing
/// busy process spins pinned to one core, against the same workloads idle at one thread. The goal
/// is that a loaded machine costs at most what the lost core is worth: contended ÷ idle-1-thread
/// ≤ 1.3 for W2's seconds per epoch and ≤ 2 for W6's batch-1 p50.
enum Contention {
    /// The workloads W7 is defined on.
    static let defaultWorkloads: [WorkloadID] = [.w2, .w6]

    /// Goals per compared figure (contended ÷ idle at one thread; lower is better).
    static func goal(workload: String, metric: String) -> Double? {
        switch (workload, metric) {
        case ("W2", "s/epoch"), ("W2", "s/20steps"): return 1.3   // s/20steps: the smoke run's figure
        case ("W6", "p50_us"): return 2
        default: return nil
        }
    }

    /// Runs `ids` idle at one thread, then under the competitor at the default thread count, each in
    /// a child process, and returns every figure followed by the W7 ratio lines.
    static func run(_ ids: [WorkloadID], settings: BenchSettings) throws -> [Measurement] {
        let cpus = try Affinity.allowedCPUs()
        guard cpus.count >= 2, let competitorCPU = cpus.last else {
            throw BenchError("the contention run needs at least 2 CPUs; this process may use \(cpus.count)")
        }
        let ids = ids.isEmpty ? defaultWorkloads : ids
        Runner.log("synapse-bench: contention: \(ids.map(\.rawValue).joined(separator: " ")) idle at 1 thread, "
                   + "then at the default \(cpus.count) threads beside a busy process pinned to CPU \(competitorCPU)")
        let idle = try Runner.runInChildren(ids, threadCounts: [1], settings: settings)
        // Bounded: even if this process dies, the competitor stops by itself after half an hour.
        let competitor = try Competitor(cpu: competitorCPU, limit: 1800)
        let contended: [Measurement]
        do {
            contended = try Runner.runInChildren(ids, threadCounts: [cpus.count], settings: settings, extraArguments: ["--contended"])
            competitor.stop()
        } catch {
            competitor.stop()
            throw error
        }
        var ratios: [Measurement] = []
        for c in contended {
            guard let goal = goal(workload: c.workload, metric: c.metric),
                  let i = idle.first(where: { $0.workload == c.workload && $0.metric == c.metric }),
                  let cv = c.value, let iv = i.value, iv > 0 else { continue }
            let ratio = Measurement("W7", threads: c.threads, metric: "\(c.workload) \(c.metric) contended/idle-1T", value: cv / iv, [
                "contended": .double(cv), "idle_1t": .double(iv), "goal": .double(goal), "met": .bool(cv / iv <= goal),
                "competitor_cpu": .int(competitorCPU),
            ])
            print(ratio.jsonLine)
            fflush(nil)
            ratios.append(ratio)
        }
        return idle + contended + ratios
    }
}

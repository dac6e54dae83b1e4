import ArgumentParser
import Foundation

/// `synapse-bench`: the benchmark spec's workloads, one JSON line per figure, then a summary table.
@main
struct SynapseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synapse-bench",
        abstract: "Run the Synapse benchmark workloads (W1 sgemm, W1b bf16 gemm, W2/W3 MLP/CNN training, W4/W5 LSTM/GPT language-model training, W6 MLP inference, W8 int8 MLP inference, W9 bf16 autocast training, W11 MiniLM sentence embeddings, W12 data-parallel W3 under mpirun).",
        discussion: """
        Prints one JSON line per measurement, e.g.
          {"workload": "W2", "threads": 1, "metric": "s/epoch", "value": 1.31, ...}
        then a summary table beside the spec's PyTorch figures.

        Every figure is the median of at least 3 repetitions after a warm-up; data loading is never timed. \
        The 1-thread run is pinned to one core (sched_setaffinity); runs with more threads are not pinned. \
        Without --threads, 1 and then 2 threads each run in a child process of their own.

        oneDNN 2.6's dnnl_sgemm prints nothing under ONEDNN_VERBOSE; ONEDNN_JIT_DUMP=1 writes the JIT \
        kernels it generates to the current directory, named after the kernels.
        """
    )

    @Argument(help: "Workloads to run: \(WorkloadID.allValueStrings.joined(separator: ", ")) (default: all).")
    var workloads: [WorkloadID] = []

    @Option(help: "Intra-op threads; 1 is pinned to one core (default: 1, then 2).")
    var threads: Int?

    @Flag(help: "CI smoke run: every workload once at small sizes; figures are not comparable.")
    var quick = false

    @Flag(help: "W2/W3: train the spec's epochs (not 3) so the reported test accuracy is the spec's; W5: train the spec's 500 steps (not 150) and report the validation loss.")
    var accuracy = false

    /// Hidden: W2/W3 seed (weights, global generator, shuffling); accuracy-over-seeds runs (issue 9 §9).
    @Option(help: .hidden)
    var seed: UInt64 = 0

    /// Hidden: W12's bucket size in MiB (DistributedDataParallel's default 25).
    @Option(name: .customLong("bucket-mb"), help: .hidden)
    var bucketMB = 25.0

    /// Hidden: W12's global batch (the spec's 64); `scripts/bench-distributed.sh` runs one process at
    /// a rank's share (32) beside another to measure what two processes at once can reach.
    @Option(name: .customLong("global-batch"), help: .hidden)
    var globalBatch = 64

    @Flag(name: .customLong("no-summary"), help: "Print only the JSON lines.")
    var noSummary = false

    @Flag(help: """
        W7 contention: run the workloads (default W2 W6) idle at 1 thread, then at the default thread count \
        while a busy process this run starts (and stops) spins pinned to the last CPU; prints both figures \
        and their ratio (goals: W2 ≤ 1.3, W6 p50 ≤ 2).
        """)
    var contention = false

    @Flag(help: .hidden)
    var contended = false

    @Option(name: .customLong("busy-loop"), help: .hidden)
    var busyLoopCPU: Int?

    @Option(name: .customLong("busy-seconds"), help: .hidden)
    var busySeconds = 600.0

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard bucketMB > 0, bucketMB.isFinite else { throw ValidationError("--bucket-mb must be positive, got \(bucketMB)") }
        guard globalBatch > 0 else { throw ValidationError("--global-batch must be positive, got \(globalBatch)") }
        if workloads.contains(.w12) && threads == nil && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil {
            throw ValidationError("W12 under mpirun: give --threads (each rank runs in this process; 1 is the spec's)")
        }
    }

    func run() throws {
        if let busyLoopCPU { try Competitor.spin(cpu: busyLoopCPU, seconds: busySeconds) }
        if contention {
            if threads != nil { throw ValidationError("--contention chooses its own thread counts (1 idle, all cores contended)") }
            let selected = WorkloadID.allCases.filter { workloads.contains($0) }
            let results = try Contention.run(selected, settings: BenchSettings(quick: quick, accuracy: accuracy, seed: seed))
            if !noSummary { print(Report(measurements: results).table) }
            return
        }
        let selected = WorkloadID.allCases.filter { workloads.isEmpty || workloads.contains($0) }
        let settings = BenchSettings(quick: quick, accuracy: accuracy, seed: seed, bucketMB: bucketMB,
                                     globalBatch: globalBatch)
        let results = if let threads {
            try Runner.runHere(selected, threads: threads, settings: settings, contended: contended)
        } else {
            try Runner.runInChildren(selected, threadCounts: [1, 2], settings: settings)
        }
        if !noSummary { print(Report(measurements: results).table) }
    }
}

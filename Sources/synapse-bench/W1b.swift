/// W1b: bf16 × bf16 → float32 GEMM, n = 2048, in GFLOP/s.
///
/// Synapse has no public bf16 matmul yet, so this reports a null figure with a note rather than
/// timing anything; kernels belong in SynapseCore, not in the benchmark.
struct W1b: Workload {
    /// Matrix size (the spec's only size).
    let n = 2048

    /// The same in quick mode: there is nothing to shrink.
    init(quick: Bool) {}

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        emit(Measurement("W1b", threads: threads, metric: "GFLOP/s", value: nil,
                         ["n": .int(n), "note": .string("not implemented")]))
    }
}

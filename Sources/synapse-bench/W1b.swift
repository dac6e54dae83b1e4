import Synapse

/// W1b: bf16 × bf16 → float32 GEMM (float32 accumulation), n = 2048, in GFLOP/s (2n³ / t), through
/// the public `matmul(_: BFloat16Tensor, _: BFloat16Tensor)`. Inputs are rounded to bf16 before
/// timing; the report names the oneDNN implementation that runs, or says why there is none.
struct W1b: Workload {
    /// Matrix size (the spec's only size; smoke runs use it too, it takes milliseconds).
    let n = 2048
    /// Timed repetitions (the median is reported).
    let repetitions: Int
    /// Minimum seconds per repetition.
    let minimumSeconds: Double

    /// Fewer, shorter repetitions for a smoke run.
    init(quick: Bool) {
        repetitions = quick ? 3 : 5
        minimumSeconds = quick ? 0.02 : 0.2
    }

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let generator = RandomGenerator(seed: UInt64(n))
        let a = BFloat16Tensor(Tensor.randn([n, n], generator: generator))
        let b = BFloat16Tensor(Tensor.randn([n, n], generator: generator))
        let multiply = { _ = try matmul(a, b) }
        do {
            try multiply()                                    // warm-up: creates the cached primitive
        } catch {
            // A CPU or oneDNN build without a bf16 matmul: report that instead of failing the run.
            emit(Measurement("W1b", threads: threads, metric: "GFLOP/s", value: nil,
                             ["n": .int(n), "note": .string("bf16 matmul unavailable: \(error)")]))
            return
        }
        let iterations = try Timing.iterations(toFill: minimumSeconds, multiply)
        let times = try (0..<repetitions).map { _ in try Timing.secondsPerCall(iterations: iterations, multiply) }
        let rate = 2 * Double(n) * Double(n) * Double(n) / Timing.median(times) / 1e9
        emit(Measurement("W1b", threads: threads, metric: "GFLOP/s", value: rate,
                         ["n": .int(n), "kernel": .string("matmul(bf16)"),
                          "impl": .string(bf16MatmulImplementation(m: n, n: n, k: n) ?? "unknown")]))
    }
}

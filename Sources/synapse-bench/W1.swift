import CDNNL
import Synapse

/// W1: float32 C = A·B for square n × n matrices, through the public `matmul` and through raw
/// `dnnl_sgemm` on the same buffers, in GFLOP/s (2n³ / t). Repetitions alternate the two so that
/// noise from the shared machine hits both alike; only the multiplies are timed.
struct W1: Workload {
    /// Matrix sizes.
    let sizes: [Int]
    /// Timed repetitions per size and kernel (the median is reported).
    let repetitions: Int
    /// Minimum seconds per repetition (small sizes loop the multiply).
    let minimumSeconds: Double

    /// The spec's sizes, or 256 and 1024 for a smoke run.
    init(quick: Bool) {
        sizes = quick ? [256, 1024] : [256, 1024, 2048, 4096]
        repetitions = quick ? 3 : 5
        minimumSeconds = quick ? 0.02 : 0.2
    }

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        for n in sizes {
            let generator = RandomGenerator(seed: UInt64(n))
            let a = Tensor.randn([n, n], generator: generator), b = Tensor.randn([n, n], generator: generator)
            var c = Tensor.zeros([n, n])
            let api = { _ = matmul(a, b) }
            let raw = {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            let status = dnnl_sgemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
                                                    dnnl_dim_t(n), dnnl_dim_t(n), dnnl_dim_t(n), 1,
                                                    pa.baseAddress, dnnl_dim_t(n), pb.baseAddress, dnnl_dim_t(n),
                                                    0, pc.baseAddress, dnnl_dim_t(n))
                            precondition(status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue)")
                        }
                    }
                }
            }
            api(); raw()                                      // warm-up: caches, allocator, OpenMP team
            let apiIterations = Timing.iterations(toFill: minimumSeconds, api)
            let rawIterations = Timing.iterations(toFill: minimumSeconds, raw)
            var apiTimes: [Double] = [], rawTimes: [Double] = []
            for _ in 0..<repetitions {
                apiTimes.append(Timing.secondsPerCall(iterations: apiIterations, api))
                rawTimes.append(Timing.secondsPerCall(iterations: rawIterations, raw))
            }
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let apiRate = flops / Timing.median(apiTimes) / 1e9, rawRate = flops / Timing.median(rawTimes) / 1e9
            emit(Measurement("W1", threads: threads, metric: "GFLOP/s", value: apiRate,
                             ["n": .int(n), "kernel": .string("matmul"), "ratio_to_raw": .double(apiRate / rawRate)]))
            emit(Measurement("W1", threads: threads, metric: "GFLOP/s", value: rawRate,
                             ["n": .int(n), "kernel": .string("dnnl_sgemm")]))
        }
    }
}

import Foundation
import SynapseCore
import SynapseNN

/// How fast a model answers, measured as serving sees it: the median latency of one example
/// (batch 1) and the throughput of batches of 256, in evaluation mode without gradients, at a
/// given intra-op thread count.
public struct InferenceSpeed: Sendable, Codable, Equatable {
    /// Intra-op threads the figures were taken at.
    public let threads: Int
    /// Median milliseconds per batch-1 call.
    public let batch1P50Milliseconds: Double
    /// Examples per second at batch 256.
    public let batch256SamplesPerSecond: Double

    /// Figures as measured.
    public init(threads: Int, batch1P50Milliseconds: Double, batch256SamplesPerSecond: Double) {
        self.threads = threads
        self.batch1P50Milliseconds = batch1P50Milliseconds
        self.batch256SamplesPerSecond = batch256SamplesPerSecond
    }

    /// Measures `models` side by side at each of `threadCounts`, on `examples` (`[N, ...]`, N ≥ 1;
    /// batches of 256 repeat them as needed). Models alternate within `rounds` rounds and each keeps
    /// its best round (lowest median latency, highest throughput), so a burst of load from another
    /// process does not land on one model only. `secondsPerMeasurement` bounds each timed loop.
    /// The thread pool's size is restored afterwards. A count above the pool's size runs at the
    /// pool's size, and is recorded as such (once).
    /// - Returns: for each model, one `InferenceSpeed` per distinct thread count that ran, in
    ///   `threadCounts` order.
    public static func measure(_ models: [any Layer], examples: Tensor, threadCounts: [Int], rounds: Int = 3,
                               secondsPerMeasurement: Double = 0.4) -> [[InferenceSpeed]] {
        require(examples.rank >= 2 && examples.shape[0] >= 1, "InferenceSpeed.measure: examples must be [N, ...], got \(examples.shape)")
        let original = ThreadPool.shared.threadCount
        defer { ThreadPool.shared.setThreadCount(original) }
        let one = examples.slice(dim: 0, start: 0, end: 1).contiguous()
        let repeats = (256 + examples.shape[0] - 1) / examples.shape[0]
        let big = Tensor.cat(Array(repeating: examples, count: repeats), dim: 0).slice(dim: 0, start: 0, end: 256).contiguous()
        let modes = models.map(\.isTraining)
        models.forEach { $0.eval() }
        defer { for (m, wasTraining) in zip(models, modes) { m.train(wasTraining) } }
        var results = models.map { _ in [InferenceSpeed]() }
        withoutGradients {
            var measured: Set<Int> = []
            for requested in threadCounts {
                ThreadPool.shared.setThreadCount(requested)
                // The pool caps the count at its size: record what ran, once.
                let threads = ThreadPool.shared.threadCount
                guard measured.insert(threads).inserted else { continue }
                var best = models.map { _ in (latency: Double.infinity, throughput: 0.0) }
                for _ in 0..<max(rounds, 1) {
                    for (m, model) in models.enumerated() {
                        let latency = medianLatency(model, one, seconds: secondsPerMeasurement)
                        let throughput = samplesPerSecond(model, big, seconds: secondsPerMeasurement)
                        best[m] = (min(best[m].latency, latency), max(best[m].throughput, throughput))
                    }
                }
                for m in models.indices {
                    results[m].append(InferenceSpeed(threads: threads, batch1P50Milliseconds: best[m].latency * 1000,
                                                     batch256SamplesPerSecond: best[m].throughput))
                }
            }
        }
        return results
    }

    /// Median seconds of `model(x)` over calls made for about `seconds` (at least 15, after 3 warm-up calls).
    private static func medianLatency(_ model: any Layer, _ x: Tensor, seconds: Double) -> Double {
        for _ in 0..<3 { _ = model(x).contiguous() }
        var times: [Double] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        while times.count < 15 || (DispatchTime.now().uptimeNanoseconds < deadline && times.count < 5000) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = model(x).contiguous()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Examples per second of `model(x)` over calls made for about `seconds` (at least 3, after one warm-up call).
    private static func samplesPerSecond(_ model: any Layer, _ x: Tensor, seconds: Double) -> Double {
        _ = model(x).contiguous()
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var now = start
        while calls < 3 || now < deadline {
            _ = model(x).contiguous()
            calls += 1
            now = DispatchTime.now().uptimeNanoseconds
        }
        return Double(calls * x.shape[0]) / (Double(now - start) / 1e9)
    }
}

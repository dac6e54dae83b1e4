import Synapse

/// W6: inference with W2's network (`MLPClassifier()`) in eval mode inside `withoutGradients`.
/// Batch 1: each call timed on its own; p50 and p99 in µs, medians over repetitions of `calls`
/// calls, on one uniform random input (`p50_us`, the spec's reference figures) and cycling through
/// the first 1,000 Fashion-MNIST test images (`images p50_us`: half their pixels are 0, which the
/// small-batch path skips). Batch 256: throughput in samples/s, median over repetitions.
struct W6: Workload {
    /// Timed batch-1 calls per repetition (the spec's 10,000; 1,000 in smoke mode).
    let calls: Int
    /// Untimed batch-1 calls first.
    let warmUpCalls: Int
    /// Repetitions of each measurement (the median is reported).
    let repetitions: Int
    /// Minimum seconds per batch-256 repetition.
    let minimumSeconds: Double
    /// The throughput batch size.
    let batch = 256

    /// The spec's call count, or a tenth of it for a smoke run.
    init(quick: Bool) {
        calls = quick ? 1_000 : 10_000
        warmUpCalls = quick ? 100 : 1_000
        repetitions = quick ? 3 : 5
        minimumSeconds = quick ? 0.02 : 0.25
    }

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let model = MLPClassifier(generator: RandomGenerator(seed: 0))
        model.eval()
        let inputs = RandomGenerator(seed: 1)
        let one = Tensor.rand([1, 784], generator: inputs), many = Tensor.rand([batch, 784], generator: inputs)
        let test = try FashionMNIST.load(split: .test).features
        let images = (0..<Swift.min(1_000, test.shape[0])).map { test[$0].reshaped([1, 784]).contiguous() }
        guard !images.isEmpty else { throw BenchError("W6: the Fashion-MNIST test split has no images") }
        withoutGradients {
            let figures = Self.measure(model, one: one, many: many, calls: calls, warmUpCalls: warmUpCalls, repetitions: repetitions,
                                       minimumSeconds: minimumSeconds)
            emit(Measurement("W6", threads: threads, metric: "p50_us", value: figures.p50,
                             ["batch": .int(1), "calls": .int(calls), "p99_us": .double(figures.p99)]))
            emit(Measurement("W6", threads: threads, metric: "samples/s", value: figures.samplesPerSecond, ["batch": .int(many.shape[0])]))
            let real = Self.latency(model, inputs: images, calls: calls, warmUpCalls: warmUpCalls, repetitions: repetitions)
            emit(Measurement("W6", threads: threads, metric: "images p50_us", value: real.p50,
                             ["batch": .int(1), "calls": .int(calls), "images": .int(images.count), "images p99_us": .double(real.p99)]))
        }
    }

    /// Batch-1 p50 and p99 latency (µs, medians over `repetitions` runs of `calls` calls, each timed
    /// on its own), call i on `inputs[i % inputs.count]` (not empty).
    static func latency(_ model: any Layer, inputs: [Tensor], calls: Int, warmUpCalls: Int, repetitions: Int) -> (p50: Double, p99: Double) {
        for i in 0..<warmUpCalls { _ = model(inputs[i % inputs.count]) }
        var p50: [Double] = [], p99: [Double] = []
        var latencies = [Double](repeating: 0, count: calls)
        for _ in 0..<repetitions {
            for i in 0..<calls {
                let input = inputs[i % inputs.count]
                let start = Timing.now()
                _ = model(input)
                latencies[i] = Timing.now() - start
            }
            p50.append(Timing.percentile(latencies, 50) * 1e6)
            p99.append(Timing.percentile(latencies, 99) * 1e6)
        }
        return (Timing.median(p50), Timing.median(p99))
    }

    /// Batch-1 p50 and p99 latency (µs, medians over `repetitions` runs of `calls` calls, each timed
    /// on its own) and batch throughput (samples/s of `many`, median over `repetitions` timed loops
    /// of at least `minimumSeconds`) of `model`; W8 measures its f32 and int8 models the same way.
    static func measure(_ model: any Layer, one: Tensor, many: Tensor, calls: Int, warmUpCalls: Int, repetitions: Int,
                        minimumSeconds: Double) -> (p50: Double, p99: Double, samplesPerSecond: Double) {
        let (p50, p99) = latency(model, inputs: [one], calls: calls, warmUpCalls: warmUpCalls, repetitions: repetitions)
        let forward = { _ = model(many) }
        for _ in 0..<10 { forward() }
        let iterations = Timing.iterations(toFill: minimumSeconds, forward)
        let rates = (0..<repetitions).map { _ in Double(many.shape[0]) / Timing.secondsPerCall(iterations: iterations, forward) }
        return (p50, p99, Timing.median(rates))
    }
}

import Synapse

/// W8: int8 inference with W6's network (`MLPClassifier()`, eval mode, no gradients): f32, then the
/// same model after static int8 quantization (per-channel weights, inputs calibrated on 1,000
/// images with the min-max observer) and after dynamic quantization. Batch-256 throughput
/// (samples/s) and batch-1 p50 latency (µs), each int8 figure with its ratio to f32 measured in
/// the same run; then the W3 CNN in f32 and after static quantization. The accuracy half of W8 needs a trained model: `synapse compress --method
/// int8-static` measures it (docs/compression.md).
struct W8: Workload {
    /// Batch-1 calls per repetition.
    let calls: Int
    /// Repetitions per measurement (the median is reported).
    let repetitions: Int
    /// Minimum seconds per batch-256 repetition.
    let minimumSeconds: Double
    /// The throughput batch size.
    let batch = 256

    /// The full measurement, or a small one for a smoke run.
    init(quick: Bool) {
        calls = quick ? 300 : 5_000
        repetitions = quick ? 3 : 5
        minimumSeconds = quick ? 0.02 : 0.25
    }

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let model = MLPClassifier(generator: RandomGenerator(seed: 0))
        model.eval()
        let inputs = RandomGenerator(seed: 1)
        let one = Tensor.rand([1, 784], generator: inputs), many = Tensor.rand([batch, 784], generator: inputs)
        let calibration = Tensor.rand([1000, 784], generator: inputs)
        var f32: (p50: Double, rate: Double)? = nil
        for mode in ["f32", "int8-static", "int8-dynamic"] {
            switch mode {
            case "int8-static": try model.quantizeStatic { _ = withoutGradients { model(calibration) } }
            case "int8-dynamic": try model.quantizeDynamic()
            default: break
            }
            let figures = withoutGradients {
                W6.measure(model, one: one, many: many, calls: calls, warmUpCalls: calls / 10, repetitions: repetitions,
                           minimumSeconds: minimumSeconds)
            }
            let (p50, perSecond) = (figures.p50, figures.samplesPerSecond)
            var throughput = Measurement("W8", threads: threads, metric: "\(mode) samples/s", value: perSecond, ["batch": .int(batch)])
            var latency = Measurement("W8", threads: threads, metric: "\(mode) p50_us", value: p50, ["batch": .int(1)])
            if let f32 {
                throughput.extras.append(("ratio_to_f32", .double(perSecond / f32.rate)))
                latency.extras.append(("ratio_to_f32", .double(f32.p50 / p50)))
            } else {
                f32 = (p50, perSecond)
            }
            emit(throughput)
            emit(latency)
        }
        // The W3 CNN: its second convolution (32 → 64 channels) and both Linear layers go int8; the
        // one-channel first convolution stays float.
        let cnn = CNNClassifier(generator: RandomGenerator(seed: 0))
        cnn.eval()
        let images = Tensor.rand([batch, 1, 28, 28], generator: inputs), cnnCalibration = Tensor.rand([1000, 1, 28, 28], generator: inputs)
        let cnnForward = { _ = cnn(images) }
        let f32Rate = withoutGradients { rate(cnnForward) }
        emit(Measurement("W8", threads: threads, metric: "cnn f32 samples/s", value: f32Rate, ["batch": .int(batch)]))
        try cnn.quantizeStatic { _ = withoutGradients { cnn(cnnCalibration) } }
        let int8Rate = withoutGradients { rate(cnnForward) }
        var cnnLine = Measurement("W8", threads: threads, metric: "cnn int8-static samples/s", value: int8Rate, ["batch": .int(batch)])
        cnnLine.extras.append(("ratio_to_f32", .double(int8Rate / f32Rate)))
        emit(cnnLine)
    }

    /// Batch-256 samples/s of `forward`, the median over the repetitions.
    private func rate(_ forward: () -> Void) -> Double {
        for _ in 0..<3 { forward() }
        let iterations = Timing.iterations(toFill: minimumSeconds, forward)
        return Timing.median((0..<repetitions).map { _ in Double(batch) / Timing.secondsPerCall(iterations: iterations, forward) })
    }
}

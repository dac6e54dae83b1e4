import ArgumentParser
import Foundation
import Synapse

/// `synapse compress`: makes a trained image classifier cheaper and reports what it cost and saved.
struct CompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress a trained image classifier (int8 quantization, pruning, distillation) and report size, accuracy and speed against the original.",
        discussion: """
        The model, its dataset (fashion-mnist or mnist) and its training recipe (batch size, learning rate) are read \
        from the weights' metadata. --method prune removes the --amount of smallest-magnitude weights (per layer, or \
        across layers with --scope global) and fine-tunes for --fine-tune-epochs with the pruned weights held at zero; \
        with --structured it removes --amount of every layer's neurons and convolution channels (ranked by the --norm of \
        their incoming weights), so the layers shrink and inference gets faster. --iterations N prunes in N rounds, each \
        followed by fine-tuning. --method distill trains a fresh student of the --weights file's architecture with that \
        run's recipe (seed, epochs, batch size, learning rate) on the labels and on the --teacher's outputs softened \
        by --temperature (the soft term weighted by --alpha), so it differs from the student trained alone only by the \
        teacher; the report compares the teacher, the student trained alone and the distilled student (train a small \
        student with `synapse train --model mlp --hidden 128`). --method int8-dynamic stores every Linear layer's weights as \
        int8 (per output channel) and quantizes each batch's input from its own range at run time; --method int8-static \
        fixes each layer's input range by calibration on --calibration-samples training images (default 1000) with the \
        --calibration observer (minmax, percentile or entropy) and also covers convolutions with at least 8 input \
        channels. --method int8-qat fine-tunes for --fine-tune-epochs (default 1; at a tenth of the recorded learning \
        rate unless --lr) with fake-quantized weights and inputs (quantization-aware training), then converts the same \
        layers to int8 with the input ranges observed in training. --method bf16 rounds every Linear and Conv2d layer's weights to bfloat16 (half the file) and runs \
        their products in bf16 with Float32 accumulation (bf16 autocast; native bf16 kernels on CPUs with AVX-512 BF16 \
        or AMX, Float32 kernels on the rounded values elsewhere); --method fp16 does the same with IEEE float16 (3 more \
        significand bits, range ±65504, always on Float32 kernels: a smaller file, not a faster model). The compressed model is saved to --output with metadata that `synapse evaluate`, \
        `predict` and `serve` read as for any trained model. The report (--report, default <output>.compression.md, with \
        a .json twin) compares both models measured in the same run: size on disk, parameters, sparsity per layer, test \
        metrics, batch-1 p50 latency and batch-256 throughput at 1 and 2 threads (and the run's --threads). The last \
        line printed is a JSON object with accuracy_before, accuracy_after, size_ratio and throughput_ratio (at the \
        run's thread count).
        """
    )

    @Option(help: "Weights saved by `synapse train` (an mlp, cnn or vit on fashion-mnist or mnist).")
    var weights: String

    @Option(help: "Compression method: int8-dynamic, int8-static, int8-qat, bf16, fp16, prune or distill.")
    var method: CompressionMethodName

    @Option(help: "Where to write the compressed model (safetensors).")
    var output: String

    @Option(help: "Fraction to prune: of the weights, or with --structured of each layer's neurons and channels (0 to <1; default 0.5).")
    var amount: Double?

    @Flag(help: "Remove whole neurons and channels (the layers shrink) instead of masking single weights.")
    var structured = false

    @Option(help: "Norm that ranks neurons and channels for --structured: l1 or l2 (default l1).")
    var norm: NeuronNormName?

    @Option(help: "Ranking of unstructured pruning: layer (each layer loses --amount; the default) or global (smallest weights of all layers).")
    var scope: PruningScopeName?

    @Option(help: "Prune → fine-tune rounds (each prunes a further --amount / N; default 1).")
    var iterations: Int?

    @Option(help: "Fine-tuning epochs after each pruning round (default 1; 0: report the pruned model untouched).")
    var fineTuneEpochs: Int?

    @Option(help: "Fine-tuning learning rate (default: the training run's).")
    var lr: Double?

    @Option(help: "Fine-tuning batch size (default: the training run's).")
    var batchSize: Int?

    @Option(help: "Seed of the fine-tuning shuffle.")
    var seed: UInt64 = 0

    @Option(help: "Distillation: the teacher's weights (saved by `synapse train` on the same dataset).")
    var teacher: String?

    @Option(help: "Distillation: temperature that softens both models' logits (default 4).")
    var temperature: Float?

    @Option(help: "Distillation: weight of the soft (teacher) term; the label term gets 1 - alpha (default 0.5).")
    var alpha: Float?

    @Option(help: "Distillation: the student's training epochs (default: the --weights run's).")
    var epochs: Int?

    @Flag(help: "Distillation: run the teacher on every batch instead of once over the training split.")
    var noCacheTeacher = false

    @Option(help: "Static int8: the observer that sets each layer's input range: minmax, percentile or entropy (default minmax).")
    var calibration: CalibrationMethodName?

    @Option(help: "Static int8: training images run through the model to calibrate (default 1000).")
    var calibrationSamples: Int?

    @Option(help: "Where to write the Markdown report (a .json twin goes beside it). Default: <output>.compression.md.")
    var report: String?

    @Option(help: "Seconds per timed loop of the speed comparison (0 skips it).")
    var speedSeconds: Double = 0.4

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    @Flag(help: "Replace --output and the report if they exist.")
    var overwrite = false

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        if let report, !report.lowercased().hasSuffix(".md") { throw ValidationError("--report \(report): expected a .md path") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let weightsURL = URL(fileURLWithPath: weights), outputURL = URL(fileURLWithPath: output)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        var options = CompressionOptions(weights: weightsURL, output: outputURL, method: method.method)
        // Flags of the other method are refused, not ignored.
        let pruningFlags: [(String, Bool)] = [("--amount", amount != nil), ("--structured", structured), ("--norm", norm != nil),
                                              ("--scope", scope != nil), ("--iterations", iterations != nil),
                                              ("--fine-tune-epochs", fineTuneEpochs != nil)]
        let distillationFlags: [(String, Bool)] = [("--teacher", teacher != nil), ("--temperature", temperature != nil),
                                                   ("--alpha", alpha != nil), ("--epochs", epochs != nil), ("--no-cache-teacher", noCacheTeacher)]
        let calibrationFlags: [(String, Bool)] = [("--calibration", calibration != nil), ("--calibration-samples", calibrationSamples != nil)]
        let tuning: [(String, Bool)] = [("--lr", lr != nil), ("--batch-size", batchSize != nil)]
        let foreign: [String]
        switch method {
        case .prune: foreign = (distillationFlags + calibrationFlags).filter(\.1).map(\.0)
        case .distill: foreign = (pruningFlags + calibrationFlags).filter(\.1).map(\.0)
        case .int8Dynamic, .bf16, .fp16: foreign = (pruningFlags + distillationFlags + calibrationFlags + tuning).filter(\.1).map(\.0)
        case .int8Static: foreign = (pruningFlags + distillationFlags + [tuning[0]]).filter(\.1).map(\.0)
        case .int8QAT: foreign = (pruningFlags.dropLast() + distillationFlags + calibrationFlags).filter(\.1).map(\.0)
        }
        if !foreign.isEmpty {
            throw ValidationError("\(foreign.joined(separator: ", ")) \(foreign.count == 1 ? "does" : "do") not apply to --method \(method.rawValue)")
        }
        options.amount = amount ?? options.amount
        options.structured = structured
        options.norm = norm?.norm ?? options.norm
        options.scope = scope?.scope ?? options.scope
        options.iterations = iterations ?? options.iterations
        options.fineTuneEpochs = fineTuneEpochs ?? options.fineTuneEpochs
        options.learningRate = lr
        options.batchSize = batchSize
        options.seed = seed
        options.speedSeconds = speedSeconds
        options.teacher = teacher.map { URL(fileURLWithPath: $0) }
        options.distillation = DistillationSettings(temperature: temperature ?? 4, alpha: alpha ?? 0.5)
        options.epochs = epochs
        options.cacheTeacherOutputs = !noCacheTeacher
        options.calibration = calibration?.method ?? options.calibration
        options.calibrationSamples = calibrationSamples ?? options.calibrationSamples
        if let teacher, !FileManager.default.fileExists(atPath: teacher) {
            throw ValidationError("--teacher \(teacher): file not found (save one with `synapse train`)")
        }
        if let report { options.report = URL(fileURLWithPath: report) }
        try options.validate()
        try OutputPaths.checkReplaceable(outputURL, overwrite: overwrite, flag: "--output")
        try OutputPaths.checkReplaceable(options.report, overwrite: overwrite, flag: "--report")
        try OutputPaths.checkReplaceable(options.jsonReport, overwrite: overwrite, flag: "--report")
        let result = try CompressionJob(options: options).run()
        let report = CompressionReport(result: result, options: options).json.filter { !["speed", "details"].contains($0.key) }
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// `--method` of `synapse compress`.
enum CompressionMethodName: String, ExpressibleByArgument, CaseIterable {
    case prune, distill
    case int8Dynamic = "int8-dynamic", int8Static = "int8-static", int8QAT = "int8-qat"
    case bf16, fp16

    /// The library's method.
    var method: CompressionMethod { CompressionMethod(rawValue: rawValue)! }
}

/// `--norm` of `synapse compress`.
enum NeuronNormName: String, ExpressibleByArgument, CaseIterable {
    case l1, l2

    /// The library's norm.
    var norm: NeuronNorm { NeuronNorm(rawValue: rawValue)! }
}

/// `--scope` of `synapse compress`.
enum PruningScopeName: String, ExpressibleByArgument, CaseIterable {
    case layer, global

    /// The library's scope.
    var scope: PruningScope { PruningScope(rawValue: rawValue)! }
}

/// `--calibration` of `synapse compress`.
enum CalibrationMethodName: String, ExpressibleByArgument, CaseIterable {
    case minmax, percentile, entropy

    /// The library's observer method.
    var method: CalibrationMethod { CalibrationMethod(rawValue: rawValue)! }
}

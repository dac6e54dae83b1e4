import Foundation
import SynapseCore
import SynapseNN
import SynapseTraining

/// The ways `synapse compress` makes a trained model cheaper.
public enum CompressionMethod: String, Sendable, CaseIterable {
    /// Magnitude pruning (unstructured masks, or whole neurons and channels removed with
    /// `structured`), then fine-tuning with the masks held.
    case prune
    /// Knowledge distillation: a fresh student of the `weights` file's architecture, trained with
    /// its recipe under a `teacher`'s softened outputs.
    case distill
    /// Post-training dynamic int8 quantization of every `Linear` layer: int8 weights per output
    /// channel, each batch's input quantized from its own range at run time.
    case int8Dynamic = "int8-dynamic"
    /// Post-training static int8 quantization of every `Linear` layer: input ranges calibrated on
    /// `calibrationSamples` training images with `calibration`'s observer.
    case int8Static = "int8-static"
    /// Quantization-aware training: every `Linear` layer (and every convolution static quantization
    /// covers) fine-tunes for `fineTuneEpochs` with fake-quantized weights and inputs, then converts
    /// to int8 with the trained weights and the input ranges observed in training.
    case int8QAT = "int8-qat"
    /// bf16 inference: every `Linear` and `Conv2d` keeps bfloat16 weights (half the file) and runs its
    /// products under bf16 autocast (`castToBFloat16()`).
    case bf16
    /// Float16 inference: every `Linear` and `Conv2d` keeps IEEE float16 weights (half the file) and
    /// runs its products under float16 autocast (`castToFloat16()`; refused for weights beyond ±65504).
    case fp16

    /// Whether the method quantizes to int8.
    public var isQuantization: Bool { self == .int8Dynamic || self == .int8Static || self == .int8QAT }
}

/// Everything that defines a compression run (`synapse compress`); the CLI fills it from its
/// flags. The model, dataset and training recipe are read from the weights' metadata.
public struct CompressionOptions: Sendable {
    /// The trained model to compress (safetensors saved by `synapse train`).
    public var weights: URL
    /// Where the compressed model goes (safetensors).
    public var output: URL
    /// How to compress.
    public var method: CompressionMethod
    /// The fraction to prune: of the weights (unstructured), or of each layer's neurons and
    /// channels (structured). In [0, 1) (1 would remove everything).
    public var amount = 0.5
    /// Remove whole neurons and channels (the layers shrink) instead of masking single weights.
    public var structured = false
    /// How neurons are ranked in structured pruning.
    public var norm = NeuronNorm.l1
    /// Whether unstructured pruning ranks weights per layer or across all layers.
    public var scope = PruningScope.layerwise
    /// Prune → fine-tune rounds: each round raises the pruned fraction by `amount / iterations`
    /// (of the original weights or neurons) and fine-tunes for `fineTuneEpochs`.
    public var iterations = 1
    /// Fine-tuning epochs after each pruning round (0 reports the pruned model untouched).
    public var fineTuneEpochs = 1
    /// Fine-tuning learning rate (Adam); nil uses the training run's recorded rate.
    public var learningRate: Double?
    /// Fine-tuning batch size; nil uses the training run's recorded size.
    public var batchSize: Int?
    /// Seed of the fine-tuning shuffle.
    public var seed: UInt64 = 0
    /// Distillation: the teacher (the uncompressed model the student is measured against).
    public var teacher: URL?
    /// Distillation: temperature and soft-target weight.
    public var distillation = DistillationSettings()
    /// Distillation: run the teacher over the training split once and reuse its logits (the
    /// built-in image runs do not augment, so the inputs never change).
    public var cacheTeacherOutputs = true
    /// Distillation: the student's training epochs (nil: the `weights` run's recorded epochs).
    public var epochs: Int?
    /// Static quantization: how the calibration observer picks each layer's input range.
    public var calibration = CalibrationMethod.minMax
    /// Static quantization: training images run through the model to calibrate (a seeded sample).
    public var calibrationSamples = 1000
    /// Where the Markdown report goes; a `.json` file with the same figures is written beside it.
    public var report: URL
    /// Thread counts the speed is measured at (the run's own count is added when missing).
    public var speedThreads = [1, 2]
    /// Seconds per timed loop of the speed measurement (0 skips the measurement).
    public var speedSeconds = 0.4

    /// The defaults for compressing `weights` into `output` with `method`; the report goes beside
    /// the output as `<name>.compression.md`.
    public init(weights: URL, output: URL, method: CompressionMethod) {
        self.weights = weights
        self.output = output
        self.method = method
        report = output.deletingPathExtension().appendingPathExtension("compression.md")
    }

    /// The JSON twin of the Markdown report.
    public var jsonReport: URL { report.deletingPathExtension().appendingPathExtension("json") }

    /// Checks the options before any work.
    /// - Throws: `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        guard amount.isFinite, amount >= 0, amount < 1 else {
            throw .invalidOption(name: "amount", reason: "must be in [0, 1) (the fraction pruned), got \(amount)")
        }
        guard (1...100).contains(iterations) else { throw .invalidOption(name: "iterations", reason: "must be 1 to 100, got \(iterations)") }
        guard (0...1000).contains(fineTuneEpochs) else {
            throw .invalidOption(name: "fine-tune-epochs", reason: "must be 0 to 1000, got \(fineTuneEpochs)")
        }
        if let learningRate, !(learningRate.isFinite && learningRate > 0) {
            throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)")
        }
        if let batchSize, batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        guard speedSeconds.isFinite, speedSeconds >= 0, speedSeconds <= 60 else {
            throw .invalidOption(name: "speed-seconds", reason: "must be 0 to 60, got \(speedSeconds)")
        }
        guard !speedThreads.isEmpty, speedThreads.allSatisfy({ (1...1024).contains($0) }) else {
            throw .invalidOption(name: "speed-threads", reason: "must be thread counts from 1 to 1024, got \(speedThreads)")
        }
        if structured && scope == .global {
            throw .invalidOption(name: "scope", reason: "global ranking applies to unstructured pruning; structured pruning removes "
                                 + "the same fraction of every layer's neurons")
        }
        switch method {
        case .distill:
            guard let teacher else { throw .invalidOption(name: "teacher", reason: "distillation needs the teacher's weights (--teacher)") }
            guard teacher.standardizedFileURL != output.standardizedFileURL else {
                throw .invalidOption(name: "output", reason: "must differ from --teacher")
            }
            let t = distillation.temperature, a = distillation.alpha
            guard t.isFinite, t > 0, t <= 100 else { throw .invalidOption(name: "temperature", reason: "must be in (0, 100], got \(t)") }
            guard a.isFinite, (0...1).contains(a) else { throw .invalidOption(name: "alpha", reason: "must be in [0, 1], got \(a)") }
            if let epochs, !(1...10_000).contains(epochs) { throw .invalidOption(name: "epochs", reason: "must be 1 to 10000, got \(epochs)") }
        case .prune:
            if teacher != nil { throw .invalidOption(name: "teacher", reason: "applies to --method distill") }
            if epochs != nil { throw .invalidOption(name: "epochs", reason: "applies to --method distill (pruning fine-tunes for --fine-tune-epochs)") }
        case .int8QAT:
            if teacher != nil { throw .invalidOption(name: "teacher", reason: "applies to --method distill") }
            if epochs != nil { throw .invalidOption(name: "epochs", reason: "applies to --method distill (QAT fine-tunes for --fine-tune-epochs)") }
            guard fineTuneEpochs >= 1 else {
                throw .invalidOption(name: "fine-tune-epochs", reason: "quantization-aware training needs at least 1 epoch (it observes the input ranges while training)")
            }
        case .bf16, .fp16:
            if teacher != nil { throw .invalidOption(name: "teacher", reason: "applies to --method distill") }
            if epochs != nil { throw .invalidOption(name: "epochs", reason: "applies to --method distill") }
        case .int8Dynamic, .int8Static:
            if teacher != nil { throw .invalidOption(name: "teacher", reason: "applies to --method distill") }
            if epochs != nil { throw .invalidOption(name: "epochs", reason: "applies to --method distill") }
            guard (1...60_000).contains(calibrationSamples) else {
                throw .invalidOption(name: "calibration-samples", reason: "must be 1 to 60000, got \(calibrationSamples)")
            }
        }
        let written = [output, report, jsonReport].map(\.standardizedFileURL)
        guard Set(written).count == 3 else {
            throw .invalidOption(name: "report", reason: "the report \(report.path) and its JSON twin \(jsonReport.lastPathComponent) "
                                 + "must differ from --output \(output.path)")
        }
        for input in [weights] + (teacher.map { [$0] } ?? []) where written.dropFirst().contains(input.standardizedFileURL) {
            throw .invalidOption(name: "report", reason: "would overwrite the input \(input.path)")
        }
        guard weights.standardizedFileURL != output.standardizedFileURL else {
            throw .invalidOption(name: "output", reason: "must differ from --weights (the original stays as it is)")
        }
    }
}

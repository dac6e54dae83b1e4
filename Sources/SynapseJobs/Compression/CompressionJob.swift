import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// One side of a compression comparison: the original model or the compressed one.
public struct CompressedModelFigures: Sendable {
    /// Bytes of the weights file.
    public let bytesOnDisk: Int
    /// Scalars in the parameters.
    public let parameterCount: Int
    /// Fraction of the prunable weights (`Linear` and `Conv2d` weights) that are exactly zero.
    public let sparsity: Double
    /// Per-tensor sparsity of the prunable weights.
    public let layers: [LayerSparsity]
    /// Classification metrics on the test split.
    public let test: ClassificationSummary
    /// Batch-1 latency and batch-256 throughput per measured thread count (empty when skipped).
    public let speed: [InferenceSpeed]
}

/// What a compression run produced.
public struct CompressionResult: Sendable {
    /// The method used.
    public let method: CompressionMethod
    /// A one-line description of what was done ("structured l1 pruning of 50% of the hidden neurons").
    public let summary: String
    /// The uncompressed model's figures.
    public let before: CompressedModelFigures
    /// The compressed model's figures.
    public let after: CompressedModelFigures
    /// Thread count the headline `throughputRatio` is taken at (the run's own).
    public let threads: Int
    /// Fine-tuning (or distillation): per round, per epoch, the mean training loss.
    public let fineTuneLosses: [[Double]]
    /// Where the compressed weights were saved.
    public let weights: URL
    /// The dataset the model was trained and tested on (`fashion-mnist`).
    public let dataset: String
    /// The compressed model's kind (`mlp`, `cnn`).
    public let model: String
    /// The uncompressed model's kind (the teacher's when distilling).
    public var originalModel = ""
    /// The uncompressed model's file (the teacher when distilling).
    public var originalFile: URL? = nil
    /// Distillation: the student's test metrics when trained alone (the `--weights` file).
    public var studentAlone: ClassificationSummary? = nil

    /// Compressed ÷ original bytes on disk.
    public var sizeRatio: Double { Double(after.bytesOnDisk) / Double(max(before.bytesOnDisk, 1)) }

    /// Compressed ÷ original batch-256 examples per second at `threads` (nil when speed was not measured).
    public var throughputRatio: Double? {
        guard let b = before.speed.first(where: { $0.threads == threads }), let a = after.speed.first(where: { $0.threads == threads }) else {
            return nil
        }
        return a.batch256SamplesPerSecond / b.batch256SamplesPerSecond
    }
}

/// Compresses a trained image classifier — the job behind `synapse compress`: reads the model,
/// its dataset and recipe from the weights' metadata, compresses it, fine-tunes where the method
/// calls for it, and measures both models in the same run (size on disk, parameters and sparsity,
/// test metrics, batch-1 latency and batch-256 throughput per thread count). Saves the compressed
/// model with metadata that `evaluate`, `predict` and `serve` read as for any trained model, and
/// writes a Markdown report with a JSON twin.
public final class CompressionJob {
    /// The run's options.
    public let options: CompressionOptions
    /// Where progress lines go (standard output in the CLI).
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: CompressionOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// The model to compress, rebuilt from its weights and metadata, with its dataset.
    struct Source {
        let network: any Layer
        let architecture: ImageClassifierArchitecture
        let dataset: ImageDatasetChoice
        let metadata: WeightsMetadata
    }

    /// Reads and rebuilds the model to compress.
    /// - Throws: `PipelineError.invalidRun` naming the file: unreadable, not an image classifier
    ///   trained on a built-in dataset, or weights that do not fit the recorded architecture.
    func loadSource(_ url: URL) throws -> Source {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: url) } catch {
            throw PipelineError.invalidRun(path: url.path, reason: "cannot read the weights: \(error)")
        }
        let meta = WeightsMetadata(archive.metadata, path: url.path)
        guard let recorded = meta.optionalString("dataset"), let dataset = ImageDatasetChoice(rawValue: recorded) else {
            throw PipelineError.invalidRun(path: url.path, reason: "metadata dataset is "
                + "\(meta.optionalString("dataset").map { "'\($0)'" } ?? "missing"); `synapse compress` takes image classifiers "
                + "trained on \(ImageDatasetChoice.allCases.map(\.rawValue).joined(separator: " or ")) by `synapse train`")
        }
        guard let name = meta.optionalString("model"), let kind = ImageClassifierKind(rawValue: name) else {
            throw PipelineError.invalidRun(path: url.path, reason: "metadata model is "
                + "\(meta.optionalString("model").map { "'\($0)'" } ?? "missing"); expected an image classifier (\(ImageClassifierKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let architecture = try ImageClassifierArchitecture.read(meta, kind: kind, inputShape: FashionMNIST.expectedExampleShape,
                                                                classes: dataset.classNames.count)
        let network = try architecture.make(generator: RandomGenerator(seed: 0), source: url.path)
        do { try network.load(from: url) } catch {
            throw PipelineError.invalidRun(path: url.path, reason: "does not hold the \(name) its metadata describes: \(error)")
        }
        return Source(network: network, architecture: architecture, dataset: dataset, metadata: meta)
    }

    /// Runs the job.
    /// - Throws: `PipelineError` (options, weights), `DataError` (dataset), `TrainingError`
    ///   (fine-tuning), file-system errors writing the outputs.
    @discardableResult
    public func run() throws -> CompressionResult {
        let o = options
        try o.validate()
        let source = try loadSource(o.weights)
        let meta = source.metadata
        let batchSize = try o.batchSize ?? meta.optionalInteger("batch_size", in: 1...(1 << 20)) ?? 128
        let learningRate = o.learningRate ?? meta.optionalString("lr").flatMap(Double.init).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } ?? 1e-3
        // The teacher is read before the data so that a wrong file fails at once.
        let teacher = try o.teacher.map { url -> Source in
            let t = try loadSource(url)
            guard t.dataset == source.dataset else {
                throw PipelineError.invalidRun(path: url.path, reason: "the teacher was trained on \(t.dataset.rawValue), the student "
                                               + "(\(o.weights.lastPathComponent)) on \(source.dataset.rawValue)")
            }
            return t
        }
        let (train, test) = try source.dataset.loadChecked(batchSize: batchSize)
        let threads = ThreadPool.shared.threadCount
        log("synapse compress: \(source.architecture.kind.rawValue) on \(source.dataset.rawValue) from \(o.weights.lastPathComponent) "
            + "(\(source.network.parameterCount) parameters), method \(o.method.rawValue), \(threads) thread(s)")

        // The uncompressed model the result is measured against: the teacher when distilling.
        let original = teacher?.network ?? source.network
        let originalFile = o.teacher ?? o.weights
        let beforeTest = try Self.testSummary(original, on: test)
        log(String(format: "%@: test accuracy %.4f", teacher == nil ? "original" : "teacher", beforeTest.accuracy))

        let compression: Compression
        var baseline: ClassificationSummary? = nil
        // Methods change the model in place: they work on a copy, so `original` stays the reference.
        func workingCopy() throws -> any Layer {
            let working = try source.architecture.make(generator: RandomGenerator(seed: 0), source: o.weights.path)
            try working.loadStateDict(original.stateDict().mapValues { Tensor(shape: $0.shape, scalars: $0.scalars) }, strict: true)
            return working
        }
        switch o.method {
        case .prune:
            // Pruning works on a copy: the original is measured beside the result afterwards.
            let working = try workingCopy()
            compression = try prune(working, train: train, batchSize: batchSize, learningRate: learningRate)
        case .distill:
            guard let teacher else { preconditionFailure("CompressionJob: validate() lets distill through only with a teacher") }
            let alone = try Self.testSummary(source.network, on: test)
            log(String(format: "student trained alone: test accuracy %.4f", alone.accuracy))
            baseline = alone
            compression = try distill(source, teacher: teacher.network, train: train, batchSize: batchSize, learningRate: learningRate)
        case .int8Dynamic, .int8Static:
            let working = try workingCopy()
            compression = try quantize(working, train: train, batchSize: batchSize)
        case .int8QAT:
            let working = try workingCopy()
            compression = try quantizationAwareTraining(working, train: train, batchSize: batchSize,
                                                        learningRate: o.learningRate ?? learningRate / 10)
        case .bf16:
            let working = try workingCopy()
            let layers = working.castToBFloat16()
            compression = (working, "bfloat16 weights and bf16 products (Float32 accumulation) in \(layers.count) layer(s): "
                           + layers.joined(separator: ", ") + "; bf16 kernels: \(Autocast.implementation)", [], [:])        case .fp16:
            let working = try workingCopy()
            let layers = try working.castToFloat16()
            compression = (working, "float16 weights and float16 products (Float32 accumulation, emulated on Float32 kernels) in "
                           + "\(layers.count) layer(s): " + layers.joined(separator: ", "), [], [:])
        }
        let compressed = compression.model
        let afterTest = try Self.testSummary(compressed, on: test)
        log(String(format: "compressed: test accuracy %.4f", afterTest.accuracy))

        guard let architecture = ImageClassifierArchitecture(of: compressed, inputShape: source.architecture.inputShape) else {
            preconditionFailure("CompressionJob: compression returned a \(type(of: compressed)), not an image classifier")
        }
        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        var metadata = meta.values.merging(architecture.metadata) { _, new in new }.merging(compression.recipe) { _, new in new }
        metadata["compression"] = o.method.rawValue
        metadata["compression_details"] = compression.summary
        metadata["compressed_from"] = originalFile.lastPathComponent
        try compressed.save(to: o.output, metadata: metadata)
        log("saved the compressed model to \(o.output.path)")
        try ServingProfile.write(forWeights: o.output, trainingFeatures: train.features, seed: o.seed)

        var speeds: [[InferenceSpeed]] = [[], []]
        if o.speedSeconds > 0 {
            var counts = o.speedThreads
            if !counts.contains(threads) { counts.append(threads) }
            log("measuring batch-1 latency and batch-256 throughput at \(counts.map(String.init).joined(separator: ", ")) thread(s)")
            speeds = InferenceSpeed.measure([original, compressed], examples: test.batch(Array(0..<min(256, test.count))).features,
                                            threadCounts: counts, secondsPerMeasurement: o.speedSeconds)
        }
        let originalLayers = LayerSparsity.of(original), compressedLayers = LayerSparsity.of(compressed)
        let before = CompressedModelFigures(bytesOnDisk: try Self.fileSize(originalFile), parameterCount: original.parameterCount,
                                            sparsity: Self.sparsity(originalLayers), layers: originalLayers, test: beforeTest,
                                            speed: speeds[0])
        let after = CompressedModelFigures(bytesOnDisk: try Self.fileSize(o.output), parameterCount: compressed.parameterCount,
                                           sparsity: Self.sparsity(compressedLayers), layers: compressedLayers, test: afterTest,
                                           speed: speeds[1])
        var result = CompressionResult(method: o.method, summary: compression.summary, before: before, after: after, threads: threads,
                                       fineTuneLosses: compression.losses, weights: o.output,
                                       dataset: source.dataset.rawValue, model: architecture.kind.rawValue)
        result.studentAlone = baseline
        result.originalModel = teacher?.architecture.kind.rawValue ?? source.architecture.kind.rawValue
        result.originalFile = originalFile
        let report = CompressionReport(result: result, options: o)
        try report.write()
        log("wrote the report to \(o.report.path) and \(o.jsonReport.lastPathComponent)")
        return result
    }

    /// A compressed model with a description and its training losses.
    /// `recipe`: metadata entries describing how the compressed model was trained (replacing the
    /// source run's where they no longer describe it).
    typealias Compression = (model: any Layer, summary: String, losses: [[Double]], recipe: [String: String])

    /// Trains a fresh student of `student`'s architecture with its recorded recipe — seed, epochs
    /// (the kept epoch when early stopping chose one; `options.epochs` overrides), share of the
    /// training split, learning-rate schedule and gradient clipping — under distillation from
    /// `teacher`, so that it differs from the student trained alone only by the teacher. What the
    /// recipe holds that cannot be repeated without a validation split (reduce-on-plateau) is
    /// named in the summary.
    private func distill(_ student: Source, teacher: any Layer, train fullTrain: TensorDataset, batchSize: Int, learningRate: Double)
        throws -> Compression {
        let o = options, meta = student.metadata
        let seed = meta.optionalString("seed") == nil ? o.seed : try meta.seed()
        let recordedEpochs = try meta.optionalInteger("best_epoch", in: 1...100_000) ?? meta.optionalInteger("epochs", in: 1...100_000)
        let epochs = o.epochs ?? recordedEpochs ?? 5
        var train = fullTrain
        if meta.optionalString("train_fraction") != nil {
            let fraction = try meta.optionalString("train_fraction") == "1.0" ? 1 : meta.fraction("train_fraction")
            if fraction < 1 { train = fullTrain.stratifiedPrefix(fraction: fraction) }
        }
        var controls = TrainingControls()
        var notRepeated: [String] = []
        if let text = meta.optionalString("lr_schedule") {
            guard let schedule = LearningRateScheduleChoice(rawValue: text) else {
                throw PipelineError.invalidRun(path: meta.path, reason: "metadata 'lr_schedule' is '\(text)'; expected one of "
                                               + LearningRateScheduleChoice.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if schedule == .plateau { notRepeated.append("the reduce-on-plateau schedule (it watches a validation loss)") }
            else { controls.schedule = schedule }
        }
        if let text = meta.optionalString("clip_norm"), text != "none" {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw PipelineError.invalidRun(path: meta.path, reason: "metadata 'clip_norm' is '\(text)'; expected a positive number or none")
            }
            controls.clipNorm = value
        }
        manualSeed(seed)
        let network = try student.architecture.make(generator: RandomGenerator(seed: seed), source: o.weights.path)
        let optimizer = Adam(network.parameters(), learningRate: learningRate)
        let s = o.distillation
        log(String(format: "distilling for %d epoch(s) on %d images at temperature %g, soft-target weight %g, teacher outputs %@", epochs,
                   train.count, Double(s.temperature), Double(s.alpha), o.cacheTeacherOutputs ? "computed once" : "computed per batch"))
        let steps = epochs * (train.count / batchSize)
        let callbacks = LoopCallbacks.training(controls, optimizer: optimizer, learningRate: learningRate, epochs: epochs,
                                               totalSteps: steps).callbacks + [FineTuneLine(log: log, round: 1, label: "distill")]
        let history: TrainingHistory
        if o.cacheTeacherOutputs {
            let cached = TeacherLogitsDataset(train, teacher: teacher)
            let loader = DataLoader(cached, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed)
            let trainer = Trainer(model: network, optimizer: optimizer, objective: .distillation(student: network, settings: s),
                                  train: loader, validation: nil as DataLoader<TeacherLogitsDataset>?, callbacks: callbacks)
            history = try trainer.fit(epochs: epochs)
        } else {
            let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed)
            let trainer = Trainer(model: network, optimizer: optimizer, objective: .distillation(student: network, teacher: teacher, settings: s),
                                  train: loader, validation: nil as DataLoader<TensorDataset>?, callbacks: callbacks)
            history = try trainer.fit(epochs: epochs)
        }
        var summary = String(format: "knowledge distillation from %@ into a fresh %@ %@ (%d epochs, temperature %g, soft-target weight %g)",
                             (o.teacher?.lastPathComponent ?? "the teacher"), student.architecture.kind.rawValue,
                             "\(Self.widths(network))", epochs, Double(s.temperature), Double(s.alpha))
        if o.epochs != nil && o.epochs != recordedEpochs {
            notRepeated.append("its \(recordedEpochs.map(String.init) ?? "unrecorded") epochs (--epochs \(epochs) given)")
        }
        if o.learningRate != nil || o.batchSize != nil { notRepeated.append("its learning rate or batch size (overridden)") }
        if !notRepeated.isEmpty {
            summary += "; not repeated from the student trained alone: " + notRepeated.joined(separator: ", ")
            log("note: " + notRepeated.joined(separator: ", ") + " not repeated: the comparison with the student trained alone is not like for like")
        }
        let recipe = ["epochs": String(epochs), "best_epoch": String(epochs), "seed": String(seed), "lr": String(learningRate),
                      "batch_size": String(batchSize), "lr_schedule": controls.schedule.rawValue,
                      "clip_norm": controls.clipNorm.map { String($0) } ?? "none", "patience": "0",
                      "distillation_temperature": String(s.temperature), "distillation_alpha": String(s.alpha)]
        return (network, summary, [history.records.map { $0.values["loss"] ?? .nan }], recipe)
    }

    /// Quantizes every `Linear` layer of `model` to int8: dynamically, or statically with input
    /// ranges calibrated on a seeded sample of `options.calibrationSamples` training images.
    private func quantize(_ model: any Layer, train: TensorDataset, batchSize: Int) throws -> Compression {
        let o = options
        model.eval()
        let layers: [QuantizedLayerInfo]
        var recipe = ["quantization": o.method.rawValue]
        var summary: String
        if o.method == .int8Dynamic {
            layers = try model.quantizeDynamic()
            summary = "dynamic int8 quantization"
        } else {
            let count = min(o.calibrationSamples, train.count)
            // A seeded Fisher–Yates shuffle: the calibration sample spans the classes and repeats.
            let generator = RandomGenerator(seed: o.seed)
            var order = Array(0..<train.count)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextInt(below: i + 1)) }
            let sample = Array(order.prefix(count))
            log("calibrating on \(count) training images with the \(o.calibration.rawValue) observer")
            layers = try model.quantizeStatic(method: o.calibration) {
                withoutGradients {
                    for start in stride(from: 0, to: sample.count, by: batchSize) {
                        _ = model(train.batch(Array(sample[start..<min(start + batchSize, sample.count)])).features)
                    }
                }
            }
            summary = "static int8 quantization calibrated on \(count) training images (\(o.calibration.rawValue) observer)"
            recipe["calibration"] = o.calibration.rawValue
            recipe["calibration_samples"] = String(count)
        }
        summary += " of \(layers.count) layer(s) (\(layers.map { "\($0.name) \($0.kind)" }.joined(separator: ", "))): int8 weights per "
            + "output channel, inputs as u8 in 0…127"
        let others = Self.floatConvolutions(model)
        if !others.isEmpty {
            summary += "; float: " + others.joined(separator: ", ")
                + (o.method == .int8Dynamic ? " (dynamic quantization covers Linear layers)"
                   : " (fewer than \(Module.minimumInt8ConvolutionChannels) input channels or grouped)")
        }
        for l in layers {
            if case .fixed(let q) = l.input {
                log(String(format: "%@ %d → %d: input scale %.6g, zero point %d", l.name, l.inFeatures, l.outFeatures, Double(q.scale), q.zeroPoint))
            }
        }
        return (model, summary, [], recipe)
    }

    /// Quantization-aware training (PyTorch's `prepare_qat` → train → `convert`): fine-tunes `model`
    /// with fake-quantized weights and inputs for `options.fineTuneEpochs`, then converts it to int8.
    private func quantizationAwareTraining(_ model: any Layer, train: TensorDataset, batchSize: Int, learningRate: Double)
        throws -> Compression {
        let o = options
        let prepared = try model.prepareQuantizationAwareTraining()
        log("quantization-aware training of \(prepared.count) layer(s) for \(o.fineTuneEpochs) epoch(s) at lr \(learningRate)")
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: o.seed)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: learningRate),
                              objective: .classification(model), train: loader, validation: nil as DataLoader<TensorDataset>?,
                              callbacks: [FineTuneLine(log: log, round: 1)])
        let history = try trainer.fit(epochs: o.fineTuneEpochs)
        model.eval()
        let layers = try model.convertQuantizationAwareTraining()
        var summary = "quantization-aware training (\(o.fineTuneEpochs) epoch(s) with fake-quantized weights and inputs, lr \(learningRate)) "
            + "then int8 conversion of \(layers.count) layer(s) (\(layers.map { "\($0.name) \($0.kind)" }.joined(separator: ", "))): "
            + "int8 weights per output channel, inputs as u8 in 0…127 over the ranges observed in training"
        let others = Self.floatConvolutions(model)
        if !others.isEmpty {
            summary += "; float: " + others.joined(separator: ", ") + " (fewer than \(Module.minimumInt8ConvolutionChannels) input channels or grouped)"
        }
        let recipe = ["quantization": o.method.rawValue, "fine_tune_epochs": String(o.fineTuneEpochs), "fine_tune_lr": String(learningRate),
                      "fine_tune_batch_size": String(batchSize)]
        return (model, summary, [history.records.map { $0.values["loss"] ?? .nan }], recipe)
    }

    /// The convolutions that stayed float ("features.0 Conv2d").
    private static func floatConvolutions(_ model: Module) -> [String] {
        func walk(_ module: Module, _ path: String) -> [String] {
            var out: [String] = []
            if let c = module as? Conv2d, c.quantization == nil { out.append("\(path) Conv2d") }
            for (name, child) in module.namedChildren() { out += walk(child, path.isEmpty ? name : path + "." + name) }
            return out
        }
        return walk(model, "")
    }

    /// Prunes `model` in `options.iterations` rounds, each followed by fine-tuning.
    private func prune(_ model: any Layer, train: TensorDataset, batchSize: Int, learningRate: Double)
        throws -> Compression {
        let o = options
        var current = model
        let originalWidths = Self.widths(model)
        var masks: PruningMasks? = nil
        var losses: [[Double]] = []
        for round in 1...o.iterations {
            let target = o.amount * Double(round) / Double(o.iterations)
            if o.structured {
                // Each round's widths are `target` of the *original* widths, so rounding does not
                // compound over rounds: the last round lands where a single round would.
                let widths = originalWidths.map { StructuredPruning.keptCount($0, amount: target) }
                if let mlp = current as? MLPClassifier { current = mlp.pruningNeurons(toWidths: widths, norm: o.norm) }
                else if let cnn = current as? CNNClassifier { current = cnn.pruningChannels(toWidths: widths, norm: o.norm) }
            } else {
                masks = PruningMasks.magnitude(current, amount: target, scope: o.scope, previous: masks)
                masks!.apply()
            }
            log(o.structured ? "round \(round)/\(o.iterations): widths now \(Self.widths(current))"
                : String(format: "round %d/%d: %.1f%% of the weights pruned", round, o.iterations, masks!.sparsity * 100))
            guard o.fineTuneEpochs > 0 else { losses.append([]); continue }
            let optimizer = Adam(current.parameters(), learningRate: learningRate)
            let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: o.seed &+ UInt64(round))
            var callbacks: [any TrainingCallback] = [FineTuneLine(log: log, round: round)]
            if let masks { callbacks.append(PruningCallback(masks: masks)) }
            let trainer = Trainer(model: current, optimizer: optimizer, objective: .classification(current), train: loader,
                                  validation: nil as DataLoader<TensorDataset>?, callbacks: callbacks)
            let history = try trainer.fit(epochs: o.fineTuneEpochs)
            losses.append(history.records.map { $0.values["loss"] ?? .nan })
        }
        let percent = String(format: "%g%%", o.amount * 100)
        let rounds = o.iterations > 1 ? " in \(o.iterations) rounds" : ""
        let tuned = o.fineTuneEpochs > 0 ? ", fine-tuned \(o.fineTuneEpochs) epoch(s) per round" : ", not fine-tuned"
        let summary = o.structured
            ? "structured \(o.norm.rawValue) pruning of \(percent) of the neurons and channels of each layer\(rounds) "
                + "(widths \(Self.widths(model)) → \(Self.widths(current)))\(tuned)"
            : "unstructured magnitude pruning of \(percent) of the weights (\(o.scope == .global ? "global" : "per layer") ranking)\(rounds)\(tuned)"
        let recipe = ["fine_tune_epochs": String(o.fineTuneEpochs), "fine_tune_lr": String(learningRate),
                      "fine_tune_batch_size": String(batchSize), "pruning_iterations": String(o.iterations)]
        return (current, summary, losses, recipe)
    }

    private static func widths(_ model: any Layer) -> [Int] {
        (model as? MLPClassifier)?.hiddenSizes ?? (model as? CNNClassifier)?.widths ?? []
    }

    /// Test-split metrics of `model` (evaluation mode, no gradients).
    static func testSummary(_ model: any Layer, on test: TensorDataset) throws -> ClassificationSummary {
        let predictions = ClassifierPredictions(model: model, dataset: test)
        return try ClassificationSummary(labels: predictions.labels, probabilities: predictions.probabilities)
    }

    /// Fraction of zeros over all prunable weights of `layers`.
    static func sparsity(_ layers: [LayerSparsity]) -> Double {
        let total = layers.reduce(0) { $0 + $1.count }
        return total == 0 ? 0 : Double(layers.reduce(0) { $0 + $1.zeros }) / Double(total)
    }

    static func fileSize(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// The fine-tuning line per epoch: `fine-tune round 1 epoch 1/1  train_loss 0.3312  2.41 s`.
final class FineTuneLine: TrainingCallback {
    let log: (String) -> Void
    let round: Int
    let label: String

    init(log: @escaping (String) -> Void, round: Int, label: String = "fine-tune") {
        self.log = log
        self.round = round
        self.label = label
    }

    func epochCommitted(_ context: TrainingContext) throws {
        let l = context.epochLogs
        let prefix = label == "fine-tune" ? "fine-tune round \(round)" : label
        log(prefix + String(format: " epoch %d/%d  train_loss %.4f  %.2f s", context.epoch, context.targetEpochs,
                            l["loss"] ?? .nan, l["epoch_seconds"] ?? .nan))
    }
}

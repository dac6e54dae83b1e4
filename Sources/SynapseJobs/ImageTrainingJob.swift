import Foundation
import SynapseCore
import SynapseData
import SynapseDistributed
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What an image-classifier training run reached.
public struct ImageTrainingResult {
    /// Every trained epoch's logs (including epochs restored from a checkpoint).
    public let history: TrainingHistory
    /// Test accuracy of the saved weights.
    public let testAccuracy: Double
    /// Mean training seconds of the epochs trained in this run (validation excluded).
    public let secondsPerEpoch: Double
    /// The epoch whose weights were kept (early stopping's best epoch; else the last).
    public let bestEpoch: Int
    /// Why training ended before the last epoch (early stopping), if it did.
    public let stopReason: String?
    /// The trained network.
    public let model: any Layer
    /// Where the weights were saved.
    public let weights: URL
    /// Parameters that trained (all of them unless the convolution stages were frozen).
    public var trainableParameters = 0
    /// Images in the training split (after `trainFraction`).
    public var trainExamples = 0
    /// Bytes of optimizer state this process held at the end (its share when sharded).
    public var optimizerStateBytes = 0
    /// Pipeline-parallel training: the stages and their measured idle time.
    public var pipeline: PipelineRunSummary?
}

/// How a pipeline-parallel run was cut and how much of its steps each stage spent idle.
public struct PipelineRunSummary {
    /// The first layer of each stage in the network's chain.
    public let stageStarts: [Int]
    /// Layers in the chain.
    public let layerCount: Int
    /// Micro-batches per batch.
    public let microBatches: Int
    /// The order of each stage's passes.
    public let schedule: PipelineSchedule
    /// Each stage's timings over the run's training steps.
    public let stages: [PipelineStatistics]

    /// The stages' mean idle share of a step (fill, drain and messages).
    public var bubbleFraction: Double { stages.isEmpty ? 0 : stages.map(\.bubbleFraction).reduce(0, +) / Double(stages.count) }
    /// GPipe's idle share for equal stages: (S−1)/(M+S−1).
    public var theoreticalBubbleFraction: Double {
        PipelineParallel.theoreticalBubbleFraction(stages: stages.count, microBatches: microBatches)
    }
    /// Each stage's layers, as `0-4 | 5-9`.
    public var layout: String {
        zip(stageStarts, stageStarts.dropFirst() + [layerCount]).map { "\($0)-\($1 - 1)" }.joined(separator: " | ")
    }
}

/// Trains an image classifier end to end — the job behind `synapse train --dataset
/// fashion-mnist|mnist --model mlp|cnn|vit` and `synapse train --images DIR`: loads and checks the
/// splits, builds the recipe's network and Adam, trains it with `Trainer` (cross-entropy; each epoch
/// logs `val_loss` and `val_accuracy` on the validation split, which is the test split unless an
/// image folder holds one out), with the shared `TrainingControls` (schedule, clipping, early
/// stopping, checkpoints, resume, logs), and saves the weights with what evaluation and prediction
/// need to rebuild the network and the preprocessing in their metadata.
///
/// The IDX datasets have no validation split: early stopping and `best.safetensors` watch the test
/// split, which makes the reported accuracy optimistic — leave `patience` at 0 for an unbiased
/// figure, or give an image folder a `validationFraction`.
public final class ImageTrainingJob {
    /// The run's options.
    public let options: ImageTrainingOptions
    /// Where progress lines go (standard output in the CLI).
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: ImageTrainingOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads and checks the dataset's splits (see `ImageDatasetChoice.loadChecked`; for an image
    /// folder, its normalised training and test splits, see `loadPrepared()`); call it before
    /// creating output directories so a refused run leaves nothing behind, and hand the result to `run`.
    public func loadData() throws -> (train: TensorDataset, test: TensorDataset) {
        let data = try loadPrepared()
        return (data.train, data.test)
    }

    /// Loads and checks the run's data: a built-in dataset's splits (the test split doubles as the
    /// validation set), or an image folder read, split per class and normalised with training-split
    /// statistics. Every split's images must fit the model and its labels the classes, and the
    /// training split must make at least one batch.
    /// - Throws: `DataError`, `SplitError`, `PipelineError`.
    public func loadPrepared() throws -> ImageTrainingData {
        switch options.source {
        case .builtIn(let dataset):
            var (train, test) = try dataset.loadChecked(batchSize: options.batchSize)
            var validation: TensorDataset? = nil
            if options.holdOutValidation {
                validation = dataset.validationSplit(of: train)
                train = dataset.trainingPart(of: train)
            }
            if options.trainFraction < 1 {
                train = train.stratifiedPrefix(fraction: options.trainFraction)
                try DataLoader(train, batchSize: options.batchSize, shuffle: false, dropLast: true)
                    .validateNotEmpty(name: "\(dataset.rawValue) training split (\(train.count) images after --train-fraction; lower --batch-size)")
            }
            return ImageTrainingData(train: train, validation: validation, test: test, classNames: dataset.classNames,
                                     metadata: validation == nil ? [:] : [ImageDatasetChoice.validationSplitKey: ImageDatasetChoice.validationSplitValue],
                                     summary: "\(train.count) train / " + (validation.map { "\($0.count) validation / " } ?? "") + "\(test.count) test")
        case .folder(let folder):
            var data = try folder.load(seed: options.seed)
            if options.trainFraction < 1 {
                data.train = data.train.stratifiedPrefix(fraction: options.trainFraction)
            }
            try DataLoader(data.train, batchSize: options.batchSize, shuffle: false, dropLast: true)
                .validateNotEmpty(name: "\(folder.name) training split (\(data.train.count) images; lower --batch-size)")
            return data
        }
    }

    /// Checks, before anything is created, that `controls.resume` (if set) is a readable checkpoint
    /// whose recorded hyperparameters match this run's (or `force` is set).
    /// - Throws: `CheckpointError`, `PipelineError.invalidOption` listing the differences.
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    /// Checks, before anything is created, that the network fits the data (a ViT's patch size
    /// divides the images' sides; sizes under the parameter limit) and that `initFrom` (if set)
    /// holds convolution stages that fit this run's CNN (see `transferFeatures`).
    /// - Throws: `PipelineError` naming the flag or the file.
    public func validateTransfer(_ data: ImageTrainingData) throws {
        let network = try architecture(for: data).make(generator: RandomGenerator(seed: options.seed))
        guard let source = options.initFrom else { return }
        try Self.transferFeatures(from: source, into: network, freeze: false)
    }

    /// The network the run builds for `data`: the options' kind, sized by the images and classes,
    /// with the MLP's hidden widths and the ViT's patch size when given.
    public func architecture(for data: ImageTrainingData) -> ImageClassifierArchitecture {
        var architecture = ImageClassifierArchitecture(kind: options.model, inputShape: data.train.exampleShape, classes: data.classNames.count)
        if let hidden = options.hiddenSizes { architecture.hiddenSizes = hidden }
        if let patch = options.patchSize { architecture.vitSizes.patchSize = patch }
        return architecture
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log) }

    /// Runs the job on `data` (nil: `loadData()`).
    /// - Throws: `PipelineError` (bad options), `DataError`, `CheckpointError` (bad resume file),
    ///   `TrainingError` (divergence), I/O errors of the logs and outputs.
    @discardableResult
    public func run(data: (train: TensorDataset, test: TensorDataset)? = nil) throws -> ImageTrainingResult {
        guard let data else { return try run(prepared: loadPrepared()) }
        let classNames = options.dataset?.classNames ?? (0..<10).map(String.init)
        return try run(prepared: ImageTrainingData(train: data.train, validation: nil, test: data.test, classNames: classNames,
                                                   summary: "\(data.train.count) train / \(data.test.count) test"))
    }

    /// Runs the job on prepared data (see `loadPrepared()`).
    /// - Throws: as `run(data:)`.
    @discardableResult
    public func run(prepared data: ImageTrainingData) throws -> ImageTrainingResult {
        let o = options, c = o.controls
        try o.validate()
        let (train, test) = (data.train, data.test)
        let separateValidation = data.validation != nil
        // Accuracy over no examples is undefined, not 0: refused before any step.
        guard test.count > 0 else { throw TrainingError.emptyEvaluationSet(name: "test") }
        manualSeed(o.seed)
        let architecture = self.architecture(for: data)
        let network = try architecture.make(generator: RandomGenerator(seed: o.seed))
        if let source = o.initFrom { try Self.transferFeatures(from: source, into: network, freeze: o.freezeFeatures) }
        let transfer = o.initFrom.map { " from \($0.lastPathComponent)'s convolution stages\(o.freezeFeatures ? " (frozen)" : "")" } ?? ""
        // Data parallel: this process's share of every epoch, gradients averaged over the processes.
        // Pipeline parallel: every process reads every batch and trains its stage of the network.
        let world = o.communicator.flatMap { $0.worldSize > 1 ? $0 : nil }
        let pipeline = try world.flatMap { world in
            try o.pipelineMicroBatches.map {
                try Self.makePipeline(network, communicator: world, microBatches: $0, starts: o.pipelineStageStarts, schedule: o.pipelineSchedule,
                                      train: train, batchSize: o.batchSize)
            }
        }
        let dataParallelWorld = pipeline == nil ? world : nil
        // What this process trains: its stage, or the whole network.
        let trained: Module = pipeline?.stage ?? network
        // Frozen parameters are skipped by the optimizer (and recorded by no tape); with sharding,
        // each process keeps Adam's state for its share only.
        let learningRate = o.learningRate
        let optimizer: any Optimizer = if let dataParallelWorld, o.shardOptimizerState {
            ZeroRedundancyOptimizer(network.parameters(), communicator: dataParallelWorld) { Adam($0, learningRate: learningRate) }
        } else {
            Adam(trained.parameters(), learningRate: learningRate)
        }
        let isLead = (world?.rank ?? 0) == 0
        let processes = if let pipeline {
            ", a pipeline of \(pipeline.stageCount) stages (\(pipeline.schedule.rawValue)), batch \(o.batchSize) in \(pipeline.microBatches) micro-batches"
        } else {
            world.map { ", \($0.worldSize) processes × batch \(o.batchSize) (global batch \($0.worldSize * o.batchSize))" } ?? ""
        }
        log("synapse train: \(o.datasetName) (\(data.summary)), model \(o.model.rawValue)\(transfer) "
            + "(\(network.parameterCount) parameters, \(network.trainableParameterCount) trained), \(ThreadPool.shared.threadCount) thread(s)\(processes)")

        let trainLoader = DataLoader(train, batchSize: o.batchSize, shuffle: true, dropLast: true, seed: o.seed,
                                     sampler: dataParallelWorld.map { DistributedSampler(rank: $0.rank, worldSize: $0.worldSize) })
        let testLoader = DataLoader(test, batchSize: 1000)
        let validationLoader = data.validation.map { DataLoader($0, batchSize: 1000) } ?? testLoader
        var (callbacks, early) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                        totalSteps: o.epochs * trainLoader.count)
        // After early stopping (rank 0's decision holds everywhere), before the reports (the mean loss).
        if let world { callbacks.append(DistributedTrainingCallback(communicator: world)) }
        // A stage's gradients are part of the network's: clipping by norm scales by the whole norm.
        if let pipeline {
            for case let clipping as GradientClippingCallback in callbacks {
                clipping.combineNorm = { try pipeline.combinedGradientNorm($0, normType: $1) }
            }
        }
        // Only rank 0 reports and writes; every process schedules, clips and stops alike.
        if isLead {
            callbacks += try LoopCallbacks.reporting(c, line: ImageEpochLine(log: log, accuracyName: separateValidation ? "val_accuracy" : "test_accuracy"),
                                                     hyperparameters: o.hyperparameters)
        }
        let dataParallel = try dataParallelWorld.map { try DistributedDataParallel(network, communicator: $0, bucketCapacityMB: o.bucketCapacityMB) }
        var objective = pipeline?.classificationObjective() ?? TrainingObjective<TensorDataset.Batch>.classification(network)
        if var adversarial = o.adversarial {
            // Adversarial inputs stay within the images' own range ([0, 1] for the built-in datasets).
            adversarial.attack.inputRange = o.dataset != nil ? 0...1 : Self.valueRange(train.features)
            objective = .adversarialClassification(network, recipe: adversarial)
            log("adversarial training: \(adversarial.summary)")
        }
        let trainer = Trainer(model: trained, optimizer: optimizer, objective: objective, train: trainLoader,
                              validation: validationLoader, metrics: TrainingMetrics.accuracy, callbacks: callbacks)
        trainer.precision = c.precision
        trainer.gradientSynchronizer = dataParallel
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let resumedEpochs = trainer.context.epoch
        let history = try trainer.fit(epochs: o.epochs)
        if let reason = trainer.context.stopReason { log(reason) }

        let lastEpoch = trainer.context.epoch
        let bestEpoch = early.map { $0.bestEpoch > 0 ? $0.bestEpoch : lastEpoch } ?? lastEpoch
        // Restored best weights are not the last epoch's: measure what is saved.
        let testAccuracy = bestEpoch == lastEpoch && !separateValidation ? (history.records.last?.values["val_accuracy"] ?? .nan)
            : (try trainer.evaluate(testLoader)["accuracy"] ?? .nan)
        let epochSeconds = history.records.dropFirst(resumedEpochs).compactMap { $0.values["epoch_seconds"] }
        let secondsPerEpoch = epochSeconds.isEmpty ? 0 : epochSeconds.reduce(0, +) / Double(epochSeconds.count)
        // Every stage's timings, then every stage's weights into rank 0's network (to save it).
        var pipelineSummary: PipelineRunSummary?
        if let pipeline {
            let summary = PipelineRunSummary(stageStarts: pipeline.stageStarts, layerCount: pipeline.layers.count,
                                             microBatches: pipeline.microBatches, schedule: pipeline.schedule, stages: try pipeline.gatherStatistics())
            try pipeline.gatherWeights(to: 0)
            log(String(format: "pipeline (%@): stages %@; idle share of a step (bubble) %.3f measured (per stage %@), %.3f in theory for equal stages; "
                       + "at most %@ micro-batches alive per stage", summary.schedule.rawValue,
                       summary.layout, summary.bubbleFraction, summary.stages.map { String(format: "%.3f", $0.bubbleFraction) }.joined(separator: ", "),
                       summary.theoreticalBubbleFraction, summary.stages.map { String($0.peakLiveMicroBatches) }.joined(separator: ", ")))
            pipelineSummary = summary
        }
        let stateBytes = (optimizer as? ZeroRedundancyOptimizer)?.stateBytes
            ?? optimizer.stateDict().values.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride }
        if world != nil {
            log(String(format: "optimizer state on this process: %.2f MB", Double(stateBytes) / 1e6)
                + (o.shardOptimizerState ? " (sharded, ZeRO-1)" : ""))
        }
        guard isLead else {
            return ImageTrainingResult(history: history, testAccuracy: testAccuracy, secondsPerEpoch: secondsPerEpoch, bestEpoch: bestEpoch,
                                       stopReason: trainer.context.stopReason, model: network, weights: o.output,
                                       trainableParameters: network.trainableParameterCount, trainExamples: train.count,
                                       optimizerStateBytes: stateBytes, pipeline: pipelineSummary)
        }

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try network.save(to: o.output, metadata: architecture.metadata.merging([
            "dataset": o.datasetName, "epochs": String(lastEpoch), "seed": String(o.seed),
            "batch_size": String(o.batchSize), "lr": String(o.learningRate), "best_epoch": String(bestEpoch),
            // The rest of the recipe, so that a later run (distillation) can repeat it.
            "lr_schedule": c.schedule.rawValue, "clip_norm": c.clipNorm.map { String($0) } ?? "none", "patience": String(c.patience),
            "train_fraction": String(o.trainFraction), "training_precision": c.precision.rawValue,
        ].merging(o.adversarial.map { ["adversarial_training": $0.summary] } ?? [:]) { a, _ in a }) { a, _ in a }.merging(data.metadata) { a, _ in a })
        log("saved weights to \(o.output.path)")
        let profile = try ServingProfile.write(forWeights: o.output, trainingFeatures: train.features, seed: o.seed)
        log("saved the training-data profile (drift monitoring when served) to \(profile.path)")
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: o.datasetName).write(to: dir) }
        return ImageTrainingResult(history: history, testAccuracy: testAccuracy, secondsPerEpoch: secondsPerEpoch, bestEpoch: bestEpoch,
                                   stopReason: trainer.context.stopReason, model: network, weights: o.output,
                                   trainableParameters: network.trainableParameterCount, trainExamples: train.count,
                                   optimizerStateBytes: stateBytes, pipeline: pipelineSummary)
    }

    /// The pipeline of `network`'s chain of layers over `communicator`'s processes: stages from
    /// `starts`, or of equal time measured on one micro-batch (of `batchSize` split in `microBatches`)
    /// of training images.
    /// - Throws: `PipelineError.invalidOption` when the network is no chain or the stages do not
    ///   fit it; the communicator's errors.
    static func makePipeline(_ network: any Layer, communicator: any Communicator, microBatches: Int, starts: [Int]?,
                             schedule: PipelineSchedule, train: TensorDataset, batchSize: Int) throws -> PipelineParallel {
        guard let chain = network as? any LayerChain else {
            throw PipelineError.invalidOption(name: "pipeline", reason: "cuts a chain of layers into stages; this network is not one")
        }
        let layers = chain.chainedLayers
        if let starts, starts.count != communicator.worldSize || (starts.last ?? 0) >= layers.count {
            throw PipelineError.invalidOption(name: "stage-starts", reason: "needs one start per process (\(communicator.worldSize)), "
                                              + "each below the network's \(layers.count) layers, got \(starts)")
        }
        let microBatch = max(1, batchSize / max(microBatches, 1))
        let balance: PipelineBalance = starts.map { .starts($0) } ?? .measured(sample: train.features[0..<min(train.count, microBatch)])
        return try PipelineParallel(layers: layers, communicator: communicator, microBatches: microBatches, balance: balance, schedule: schedule)
    }

    /// The smallest and largest value of `features` (a degenerate range is widened to one unit).
    static func valueRange(_ features: Tensor) -> ClosedRange<Float> {
        let values = features.contiguous().scalars
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        return lo < hi ? lo...hi : lo...(lo + 1)
    }

    /// Transfer learning: loads the convolution stages (`features.*`) of the CNN weights at `url`
    /// into `network` (a `CNNClassifier` with the same channels), leaving its new head as
    /// initialised, and freezes them when `freeze` is set.
    /// - Throws: `PipelineError.invalidRun` naming the file: unreadable, not a CNN's weights, or
    ///   stages of other shapes.
    public static func transferFeatures(from url: URL, into network: any Layer, freeze: Bool) throws {
        guard let cnn = network as? CNNClassifier else {
            throw PipelineError.invalidOption(name: "init-from", reason: "transfers a CNN's convolution stages; this network is not a CNN")
        }
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: url) } catch {
            throw PipelineError.invalidRun(path: url.path, reason: "cannot read the weights to transfer: \(error)")
        }
        var state: [String: Tensor] = [:]
        do {
            for name in archive.names where name.hasPrefix("features.") { state[String(name.dropFirst("features.".count))] = try archive.tensor(name) }
        } catch {
            throw PipelineError.invalidRun(path: url.path, reason: "\(error)")
        }
        guard !state.isEmpty else {
            throw PipelineError.invalidRun(path: url.path, reason: "holds no convolution stages (features.*): not a --model cnn run's weights")
        }
        do { try cnn.features.loadStateDict(state, strict: true) } catch {
            throw PipelineError.invalidRun(path: url.path, reason: "its convolution stages do not fit this CNN: \(error)")
        }
        if freeze { cnn.features.freeze() }
    }
}

/// The image run's line per epoch: `epoch 3/5  train_loss 0.3312  test_accuracy 0.8712  2.41 s`
/// (the validation set is the test split).
final class ImageEpochLine: TrainingCallback {
    let log: (String) -> Void
    /// What the validation accuracy is called on the line: `test_accuracy` when the test split is validated.
    let accuracyName: String

    init(log: @escaping (String) -> Void, accuracyName: String = "test_accuracy") {
        self.log = log
        self.accuracyName = accuracyName
    }

    func epochCommitted(_ context: TrainingContext) throws {
        let l = context.epochLogs
        log(String(format: "epoch %d/%d  train_loss %.4f  ", context.epoch, context.targetEpochs, l["loss"] ?? .nan) + accuracyName
            + String(format: " %.4f  %.2f s", l["val_accuracy"] ?? .nan, l["epoch_seconds"] ?? .nan))
    }
}

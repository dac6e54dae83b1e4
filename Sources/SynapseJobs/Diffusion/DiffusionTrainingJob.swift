import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What a diffusion run reached.
public struct DiffusionTrainingResult {
    /// Every trained epoch's logs (`loss`, `val_loss`).
    public let history: TrainingHistory
    /// Mean training seconds per epoch.
    public let secondsPerEpoch: Double
    /// The trained denoiser (in evaluation mode).
    public let model: UNet2D
    /// Where the weights were saved.
    public let weights: URL
    /// Where the sample grid was written, if one was.
    public let grid: URL?
    /// Image counts: training, validation.
    public let sizes: (train: Int, validation: Int)
}

/// Trains a class-conditional DDPM denoiser on an image dataset — the job behind `synapse train
/// --dataset fashion-mnist --model ddpm` (see `DiffusionTrainingOptions`) — saves it with the
/// metadata `DiffusionModelFile` reads back, and writes a grid of guided DDIM samples per class.
public final class DiffusionTrainingJob {
    /// The run's options.
    public let options: DiffusionTrainingOptions
    /// Where progress lines go.
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: DiffusionTrainingOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// The training images (the first 90% of the training split) and the first
    /// `validationImages` of the validation split (its last 10%).
    /// - Throws: `DataError` (dataset missing or malformed), `PipelineError` (options).
    public func loadData() throws -> (train: TensorDataset, validation: TensorDataset) {
        let o = options
        try o.validate()
        let (train, _) = try o.dataset.loadChecked(batchSize: o.batchSize)
        let validation = o.dataset.validationSplit(of: train)
        return (o.dataset.trainingPart(of: train), validation.subset(Array(0..<min(o.validationImages, validation.count))))
    }

    /// Checks, before anything is created, that `controls.resume` (if set) is a readable
    /// checkpoint of a run with the same hyperparameters (or `force` is set).
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log) }

    /// Runs the job on `data` (nil: `loadData()`).
    /// - Throws: `PipelineError`, `DataError`, `CheckpointError`, `TrainingError` (divergence),
    ///   I/O errors of the outputs.
    @discardableResult
    public func run(data loaded: (train: TensorDataset, validation: TensorDataset)? = nil) throws -> DiffusionTrainingResult {
        let o = options, c = o.controls
        try o.validate()
        let data = try loaded ?? loadData()
        manualSeed(o.seed)
        let imageShape = data.train.exampleShape
        var configuration = o.unet
        configuration.inChannels = imageShape[0]
        configuration.outChannels = imageShape[0]
        if let problem = configuration.imageProblem(height: imageShape[1], width: imageShape[2]) {
            throw PipelineError.invalidOption(name: "unet-channels", reason: problem)
        }
        let model = UNet2D(configuration, generator: RandomGenerator(seed: o.seed))
        let schedule = DiffusionSchedule(trainingSteps: o.trainingSteps, kind: o.schedule)
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate)
        log("synapse train: \(o.dataset.displayName) class-conditional DDPM: \(data.train.count) training / \(data.validation.count) "
            + "validation images, UNet \(configuration.blockChannels) (\(model.parameterCount) parameters), \(o.schedule.rawValue) "
            + "schedule of \(o.trainingSteps) steps, \(o.prediction.rawValue) prediction, class dropped \(Int(o.classDropProbability * 100))% of the time")
        let noise = DiffusionNoise(seed: o.seed)
        let objective = TrainingObjective<TensorDataset.Batch>.denoising(model, schedule: schedule, prediction: o.prediction,
                                                                          classDrop: o.classDropProbability, noise: noise)
        let trainLoader = DataLoader(data.train, batchSize: o.batchSize, shuffle: true, dropLast: true, seed: o.seed)
        let validationLoader = DataLoader(data.validation, batchSize: 250)
        var (callbacks, _) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                    totalSteps: o.epochs * trainLoader.count)
        callbacks.insert(noise, at: 0)
        callbacks += try LoopCallbacks.reporting(c, line: EpochLinePrinter(every: 1, log: log), hyperparameters: o.hyperparameters)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader, validation: validationLoader,
                              metrics: { _, _ in [:] }, callbacks: callbacks,
                              generators: ["global": .global, "diffusion": noise.training])
        trainer.precision = c.precision
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let resumed = trainer.context.epoch
        let history = try trainer.fit(epochs: o.epochs)
        if let reason = trainer.context.stopReason { log(reason) }
        model.eval()

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try model.save(to: o.output, metadata: DiffusionModelFile.metadata(
            unet: configuration, dataset: o.dataset, imageShape: imageShape, schedule: schedule, prediction: o.prediction,
            extra: ["class_drop": String(o.classDropProbability), "epochs": String(trainer.context.epoch), "seed": String(o.seed)]))
        log("saved weights to \(o.output.path)")
        var grid: URL?
        if let url = o.gridOutput, o.gridImagesPerClass > 0 {
            let started = Date()
            let labels = (0..<10).flatMap { Array(repeating: $0, count: o.gridImagesPerClass) }
            let sampler = DDIMSampler(schedule: schedule, prediction: o.prediction, inferenceSteps: o.gridSamplingSteps, clipSample: true)
            let images = model.generate(classLabels: labels, count: labels.count, imageShape: imageShape, sampler: sampler,
                                        guidanceScale: Float(o.guidanceScale), generator: RandomGenerator(seed: o.seed &+ 1))
            try SampleGrid(images: images, columns: o.gridImagesPerClass).write(to: url)
            grid = url
            log(String(format: "wrote %d guided DDIM samples (%d steps, guidance %.1f; one row per class) to %@ in %.1f s",
                       labels.count, o.gridSamplingSteps, o.guidanceScale, url.path, Date().timeIntervalSince(started)))
        }
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: "\(o.dataset.rawValue) ddpm").write(to: dir) }
        let trained = history.records.dropFirst(resumed).compactMap { $0.values["epoch_seconds"] }
        return DiffusionTrainingResult(history: history, secondsPerEpoch: trained.isEmpty ? 0 : trained.reduce(0, +) / Double(trained.count),
                                       model: model, weights: o.output, grid: grid, sizes: (data.train.count, data.validation.count))
    }
}

import ArgumentParser
import Foundation
import Synapse

/// The flags of a DDPM run (`--model ddpm` on an image dataset).
struct DiffusionFlags: ParsableArguments {
    @Option(help: "--model ddpm: the β schedule, linear or cosine (default linear).")
    var schedule: NoiseSchedule?

    @Option(help: "--model ddpm: what the UNet predicts, epsilon or v_prediction (default epsilon).")
    var prediction: DiffusionPrediction?

    @Option(name: .customLong("diffusion-steps"), parsing: .unconditional,
            help: "--model ddpm: timesteps of the noising process, 10-10000 (default 1000).")
    var diffusionSteps: Int?

    @Option(name: .customLong("class-drop"), parsing: .unconditional,
            help: "--model ddpm: how often a training label is replaced by the null class for classifier-free guidance, in [0, 1) (default 0.1).")
    var classDrop: Double?

    @Option(name: .customLong("unet-channels"), parsing: .unconditional,
            help: "--model ddpm: the UNet's channels per resolution (1 to 3 for 28×28 images), highest first; attention at the lowest (default 16,32,64).")
    var channels: String?

    @Option(parsing: .unconditional, help: "--model ddpm: classifier-free guidance scale of the sample grid (default 2; 1: conditional only).")
    var guidance: Double?

    @Option(name: .customLong("sampling-steps"), parsing: .unconditional,
            help: "--model ddpm: DDIM steps of the sample grid written after training (default 50).")
    var samplingSteps: Int?

    @Option(name: .customLong("grid-per-class"), parsing: .unconditional,
            help: "--model ddpm: images per class in the run's samples.png (0: none; default 8).")
    var gridPerClass: Int?

    /// Refuses the sample grid's flags when `--grid-per-class 0` writes no grid.
    func rejectIdleGridFlags() throws {
        guard gridPerClass == 0 else { return }
        let idle = [("--guidance", guidance != nil), ("--sampling-steps", samplingSteps != nil)].filter(\.1).map(\.0)
        if !idle.isEmpty { throw ValidationError("\(idle.joined(separator: ", ")): no effect with --grid-per-class 0 (no sample grid is written)") }
    }

    /// The flags given, by name.
    var given: [String] {
        [("--schedule", schedule != nil), ("--prediction", prediction != nil), ("--diffusion-steps", diffusionSteps != nil),
         ("--class-drop", classDrop != nil), ("--unet-channels", channels != nil), ("--guidance", guidance != nil),
         ("--sampling-steps", samplingSteps != nil), ("--grid-per-class", gridPerClass != nil)].filter(\.1).map(\.0)
    }

    /// Every flag of the group.
    static let flags = ["--schedule", "--prediction", "--diffusion-steps", "--class-drop", "--unet-channels", "--guidance",
                        "--sampling-steps", "--grid-per-class"]

    /// `--unet-channels` as widths (1 to 3 resolutions of 8 to 1024 channels); attention at the lowest.
    func blockChannels() throws -> [Int]? {
        guard let channels else { return nil }
        let widths = channels.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...3).contains(widths.count), widths.allSatisfy({ $0.map { (8...1024).contains($0) } ?? false }) else {
            throw ValidationError("--unet-channels '\(channels)': expected 1 to 3 comma-separated widths from 8 to 1024")
        }
        return widths.map { $0! }
    }
}

extension NoiseSchedule: ExpressibleByArgument {}
extension DiffusionPrediction: ExpressibleByArgument {}

extension TrainCommand {
    /// Trains a class-conditional DDPM through `DiffusionTrainingJob`, writes the run's sample grid
    /// and ends with one JSON line.
    func runDiffusion(_ dataset: ImageDatasetChoice) throws {
        var options = DiffusionTrainingOptions(dataset: dataset, output: URL(fileURLWithPath: "weights.safetensors"))
        let d = diffusion
        options.schedule = d.schedule ?? options.schedule
        options.prediction = d.prediction ?? options.prediction
        options.trainingSteps = d.diffusionSteps ?? options.trainingSteps
        options.classDropProbability = d.classDrop ?? options.classDropProbability
        if let widths = try d.blockChannels() {
            options.unet.blockChannels = widths
            options.unet.attention = widths.indices.map { $0 == widths.count - 1 }
            options.unet.normGroups = min(8, widths.min() ?? 8)
            // Heads of 32 channels where they divide the lowest resolution's channels, else one head.
            let lowest = widths.last ?? 32
            options.unet.attentionHeadDimension = lowest % 32 == 0 ? 32 : lowest
        }
        options.guidanceScale = d.guidance ?? options.guidanceScale
        options.gridSamplingSteps = d.samplingSteps ?? options.gridSamplingSteps
        options.gridImagesPerClass = d.gridPerClass ?? options.gridImagesPerClass
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = lr
        options.seed = seed
        let clipDefault = options.controls.clipNorm
        options.controls = try pipeline.controls(showProgress: !noProgress)
        if pipeline.clipNorm == nil { options.controls.clipNorm = clipDefault }
        do { try options.validate() } catch { throw ValidationError(error.description) }
        // The data is read, and a --resume checkpoint matched, before the run directory is made.
        let job = DiffusionTrainingJob(options: options, log: { _ in })
        let data = try job.loadData()
        try job.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        if options.gridImagesPerClass > 0 { options.gridOutput = run.directory.appendingPathComponent("samples.png") }
        var config: [String: Any] = [
            "epochs": options.epochs, "batch-size": options.batchSize, "schedule": options.schedule.rawValue,
            "prediction": options.prediction.rawValue, "diffusion-steps": options.trainingSteps, "class-drop": options.classDropProbability,
            "unet-channels": options.unet.blockChannels, "guidance": options.guidanceScale, "sampling-steps": options.gridSamplingSteps,
            "grid-per-class": options.gridImagesPerClass,
        ]
        config.merge(pipeline.resolvedControls(options.controls)) { _, new in new }
        try run.writeConfig(resolvedOptions(config))
        options.controls.logDirectory = run.logDirectory
        let result = try DiffusionTrainingJob(options: options, log: run.say).run(data: data)
        func rounded(_ x: Double) -> Double { (x * 100_000).rounded() / 100_000 }
        let last = result.history.records.last?.values ?? [:]
        var summary: [String: Any] = [
            "task": "diffusion", "model": "ddpm",
            "epochs": result.history.records.count, "seconds_per_epoch": (result.secondsPerEpoch * 1000).rounded() / 1000,
            "parameters": result.model.parameterCount, "train_examples": result.sizes.train, "val_examples": result.sizes.validation,
        ]
        for (key, name) in [("train_loss", "loss"), ("val_loss", "val_loss")] {
            if let value = last[name], value.isFinite { summary[key] = rounded(value) }
        }
        if let grid = result.grid { summary["samples"] = grid.path }
        try run.finish(summary)
    }
}

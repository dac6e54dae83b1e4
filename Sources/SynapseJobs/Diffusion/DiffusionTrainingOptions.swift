import Foundation
import SynapseModels
import SynapseTraining

/// Everything that defines a class-conditional DDPM run (`synapse train --dataset
/// fashion-mnist|mnist --model ddpm`): a `UNet2D` learns to predict the noise (or velocity) added
/// to the training images (scaled to [−1, 1]) at a uniformly drawn timestep of the noise schedule,
/// with the class label replaced by the null class `classDropProbability` of the time, so one
/// model serves both halves of classifier-free guidance.
public struct DiffusionTrainingOptions: Sendable {
    /// The image dataset.
    public var dataset: ImageDatasetChoice
    /// The denoiser's sizes (the recipe's by default; `inChannels` follows the data).
    public var unet = UNet2DConfiguration()
    /// The β schedule.
    public var schedule: NoiseSchedule = .linear
    /// What the model predicts.
    public var prediction: DiffusionPrediction = .epsilon
    /// Timesteps of the noising process.
    public var trainingSteps = 1000
    /// How often a training label is replaced by the null class (classifier-free guidance).
    public var classDropProbability = 0.1
    /// Passes over the training images.
    public var epochs = 1
    /// Images per step.
    public var batchSize = 64
    /// Adam's learning rate.
    public var learningRate: Double = 1e-3
    /// Seed of the initialisation, shuffling, timesteps, noise, label drops and the sample grid.
    public var seed: UInt64 = 0
    /// Held-out images (from the validation split) whose denoising loss is `val_loss`, with the
    /// same timesteps and noise every epoch.
    public var validationImages = 2000
    /// Images per class in the sample grid written after training (0: none).
    public var gridImagesPerClass = 8
    /// DDIM steps of the sample grid.
    public var gridSamplingSteps = 50
    /// Classifier-free guidance scale of the sample grid.
    public var guidanceScale = 2.0
    /// Schedule, clipping, early stopping, checkpoints, resume, logs.
    public var controls = TrainingControls()
    /// Where the trained weights go (safetensors).
    public var output: URL
    /// Where the sample grid goes (PNG), or nil for none.
    public var gridOutput: URL?

    /// The recipe's options on `dataset`, saving to `output`; gradients are clipped to norm 1 as
    /// diffusers' training examples do.
    public init(dataset: ImageDatasetChoice, output: URL) {
        self.dataset = dataset
        self.output = output
        controls.clipNorm = 1
    }

    /// The epoch logs of the run.
    public static let loggedNames = ["loss", "val_loss"]

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if let problem = unet.problem { throw .invalidOption(name: "unet-channels", reason: problem) }
        if let problem = unet.imageProblem(height: 28, width: 28) { throw .invalidOption(name: "unet-channels", reason: problem) }
        if unet.classes != 10 { throw .invalidOption(name: "classes", reason: "the image datasets have 10 classes") }
        if !(10...10_000).contains(trainingSteps) {
            throw .invalidOption(name: "diffusion-steps", reason: "must lie in 10...10000, got \(trainingSteps)")
        }
        if !(classDropProbability >= 0 && classDropProbability < 1) {
            throw .invalidOption(name: "class-drop", reason: "must lie in [0, 1), got \(classDropProbability)")
        }
        if prediction == .sample {
            throw .invalidOption(name: "prediction", reason: "must be epsilon or v_prediction (the samplers' x0-prediction is not trained here)")
        }
        if classDropProbability == 0 && guidanceScale != 1 && gridImagesPerClass > 0 {
            throw .invalidOption(name: "guidance", reason: "--class-drop 0 never trains the null class that guidance steers from; use --guidance 1")
        }
        if epochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(epochs)") }
        if batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        if validationImages < 1 { throw .invalidOption(name: "validation-images", reason: "must be positive, got \(validationImages)") }
        if !(0...1000).contains(gridImagesPerClass) {
            throw .invalidOption(name: "grid-per-class", reason: "must lie in 0...1000, got \(gridImagesPerClass)")
        }
        if !(1...trainingSteps).contains(gridSamplingSteps) {
            throw .invalidOption(name: "sampling-steps", reason: "must lie in 1...\(trainingSteps), got \(gridSamplingSteps)")
        }
        if !(guidanceScale >= 0 && guidanceScale <= 100) {
            throw .invalidOption(name: "guidance", reason: "must lie in [0, 100], got \(guidanceScale)")
        }
        try controls.validate(loggedNames: Self.loggedNames)
    }

    /// The options that decide what the run learns, by flag name (recorded in checkpoints;
    /// `--resume` refuses a run whose values differ unless forced).
    public var hyperparameters: [String: String] {
        controls.hyperparameters.merging([
            "dataset": dataset.rawValue, "model": "ddpm", "epochs": String(epochs), "batch-size": String(batchSize),
            "lr": String(learningRate), "seed": String(seed), "schedule": schedule.rawValue, "prediction": prediction.rawValue,
            "diffusion-steps": String(trainingSteps), "class-drop": String(classDropProbability),
            "unet-channels": unet.blockChannels.map(String.init).joined(separator: ","),
        ]) { _, b in b }
    }
}

import Foundation
import SynapseCore
import SynapseData
import SynapseIO
import SynapseModels
import SynapseNN

/// A trained denoiser and what its weights file records about it: the UNet's sizes, the noise
/// schedule and prediction it was trained with, the dataset and image shape — everything
/// `synapse sample` and `synapse evaluate` need to rebuild and run it.
public struct DiffusionModelFile {
    /// The denoiser, loaded and in evaluation mode.
    public let model: UNet2D
    /// The noising process it was trained with.
    public let schedule: DiffusionSchedule
    /// What it predicts.
    public let prediction: DiffusionPrediction
    /// The dataset it was trained on.
    public let dataset: ImageDatasetChoice
    /// [C, H, W] of its images.
    public let imageShape: [Int]
    /// How often training replaced the label by the null class (nil when not recorded). At 0 the
    /// null class was never trained, so classifier-free guidance has nothing to steer from.
    public let classDropProbability: Double?

    /// The weights-metadata value of `task` for a denoiser.
    public static let task = "diffusion"

    /// The metadata that `load(from:)` reads back, for a denoiser of `unet`'s sizes trained on
    /// `dataset`'s `imageShape` images with `schedule` and `prediction`; `extra` adds run facts.
    public static func metadata(unet c: UNet2DConfiguration, dataset: ImageDatasetChoice, imageShape: [Int], schedule: DiffusionSchedule,
                                prediction: DiffusionPrediction, extra: [String: String] = [:]) -> [String: String] {
        func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }
        var fixed: [String: String] = ["task": task, "model": "ddpm", "dataset": dataset.rawValue]
        fixed["image_shape"] = list(imageShape)
        fixed["block_channels"] = list(c.blockChannels)
        fixed["attention"] = list(c.attention.map { $0 ? 1 : 0 })
        fixed["layers_per_block"] = String(c.layersPerBlock)
        fixed["norm_groups"] = String(c.normGroups)
        fixed["attention_head_dim"] = String(c.attentionHeadDimension)
        fixed["classes"] = String(c.classes ?? 0)
        fixed["out_channels"] = String(c.outChannels)
        fixed["schedule"] = schedule.kind.rawValue
        fixed["prediction"] = prediction.rawValue
        fixed["diffusion_steps"] = String(schedule.trainingSteps)
        return extra.merging(fixed) { _, fixed in fixed }
    }

    /// True when `meta` describes a denoiser (`task` = diffusion).
    public static func describes(_ meta: [String: String]) -> Bool { meta["task"] == task }

    /// Rebuilds the denoiser that `url`'s metadata describes and loads its weights strictly. Every
    /// recorded size is range-checked and the parameter count bounded before anything is allocated.
    /// - Throws: `SafeTensorsError` (unreadable file), `PipelineError.invalidRun` (not a denoiser,
    ///   bad metadata, weights that do not fit).
    public static func load(from url: URL) throws -> DiffusionModelFile {
        let archive = try SafeTensors.load(from: url)
        let meta = WeightsMetadata(archive.metadata, path: url.path)
        func invalid(_ reason: String) -> PipelineError { .invalidRun(path: url.path, reason: reason) }
        guard meta.optionalString("task") == task else {
            throw invalid("is not a diffusion model (metadata task is \(meta.optionalString("task").map { "'\($0)'" } ?? "missing")); "
                          + "train one with synapse train --model ddpm")
        }
        guard let datasetName = meta.optionalString("dataset"), let dataset = ImageDatasetChoice(rawValue: datasetName) else {
            throw invalid("metadata 'dataset' is \(meta.optionalString("dataset").map { "'\($0)'" } ?? "missing"); expected fashion-mnist or mnist")
        }
        guard let shape = try meta.optionalSizes("image_shape", in: 1...4096, maxCount: 3), shape.count == 3, shape[0] <= 4 else {
            throw invalid("metadata 'image_shape' is missing or not C,H,W with 1 to 4 channels")
        }
        // The built-in datasets' images: a recorded shape or class count beyond them is corruption, and
        // bounding them bounds what sampling allocates.
        guard shape == FashionMNIST.expectedExampleShape else {
            throw invalid("metadata 'image_shape' is \(shape); \(dataset.rawValue) images are \(FashionMNIST.expectedExampleShape)")
        }
        var c = UNet2DConfiguration()
        c.inChannels = shape[0]
        c.outChannels = try meta.integer("out_channels", in: 1...4)
        guard c.outChannels == c.inChannels else {
            throw invalid("metadata 'out_channels' is \(c.outChannels); a denoiser predicts the \(c.inChannels) channels of its images")
        }
        guard let channels = try meta.optionalSizes("block_channels", in: 1...4096, maxCount: 8) else { throw invalid("metadata 'block_channels' is missing") }
        c.blockChannels = channels
        guard let attention = try meta.optionalSizes("attention", in: 0...1, maxCount: 8) else { throw invalid("metadata 'attention' is missing") }
        c.attention = attention.map { $0 == 1 }
        c.layersPerBlock = try meta.integer("layers_per_block", in: 1...8)
        c.normGroups = try meta.integer("norm_groups", in: 1...4096)
        c.attentionHeadDimension = try meta.integer("attention_head_dim", in: 1...4096)
        let classes = try meta.integer("classes", in: 0...100_000)
        guard classes == 0 || classes == dataset.classNames.count else {
            throw invalid("metadata 'classes' is \(classes); \(dataset.rawValue) has \(dataset.classNames.count) (0: unconditional)")
        }
        c.classes = classes == 0 ? nil : classes
        if let problem = c.problem ?? c.imageProblem(height: shape[1], width: shape[2]) { throw invalid("metadata describes no valid UNet: \(problem)") }
        let parameters = c.parameterCount
        guard parameters <= ModelSizeLimit.maxParameters else {
            throw invalid("metadata describes a UNet of \(parameters) parameters, more than the \(ModelSizeLimit.maxParameters) allowed")
        }
        // The file must hold that many values before a model of that size is allocated.
        let stored = archive.entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
        guard stored == parameters else {
            throw invalid("metadata describes a UNet of \(parameters) parameters but the file holds \(stored) values")
        }
        guard let scheduleName = meta.optionalString("schedule"), let kind = NoiseSchedule(rawValue: scheduleName) else {
            throw invalid("metadata 'schedule' is missing or not one of \(NoiseSchedule.allCases.map(\.rawValue))")
        }
        guard let predictionName = meta.optionalString("prediction"), let prediction = DiffusionPrediction(rawValue: predictionName),
              prediction != .sample else {
            throw invalid("metadata 'prediction' is missing or not epsilon or v_prediction")
        }
        let steps = try meta.integer("diffusion_steps", in: 10...10_000)
        let model = UNet2D(c, generator: RandomGenerator(seed: 0))
        do { try model.load(from: url) } catch {
            throw invalid("does not hold the UNet its metadata describes: \(error)")
        }
        model.eval()
        var classDrop: Double?
        if let text = meta.optionalString("class_drop") {
            guard let value = Double(text), value >= 0, value < 1 else { throw invalid("metadata 'class_drop' is '\(text)'; expected a number in [0, 1)") }
            classDrop = value
        }
        return DiffusionModelFile(model: model, schedule: DiffusionSchedule(trainingSteps: steps, kind: kind), prediction: prediction,
                                  dataset: dataset, imageShape: shape, classDropProbability: classDrop)
    }

    /// Throws `PipelineError.invalidOption` naming `flag` when `guidanceScale` asks for classifier-free
    /// guidance from a model whose null class was never trained (`class_drop` 0).
    public func checkGuidance(_ guidanceScale: Double, flag: String) throws(PipelineError) {
        if guidanceScale != 1, let drop = classDropProbability, drop == 0 {
            throw .invalidOption(name: flag, reason: "the model was trained with --class-drop 0, so its null class is untrained; "
                                 + "use --\(flag) 1 (plain conditioning)")
        }
    }
}

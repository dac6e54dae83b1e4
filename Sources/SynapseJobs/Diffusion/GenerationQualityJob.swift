import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN

/// How to measure a class-conditional denoiser's samples.
public struct GenerationQualityOptions: Sendable {
    /// The denoiser's weights (`synapse train --model ddpm`).
    public var weights: URL
    /// An image classifier trained on the same dataset (`synapse train --model cnn|mlp|vit`), whose
    /// predictions and penultimate features judge the samples.
    public var classifier: URL
    /// Generated images per class.
    public var imagesPerClass = 50
    /// DDIM steps per image.
    public var samplingSteps = 50
    /// Classifier-free guidance scale.
    public var guidanceScale = 2.0
    /// Seed of the generation and of the baselines' draws.
    public var seed: UInt64 = 0

    /// Measures `weights` with `classifier`.
    public init(weights: URL, classifier: URL) {
        self.weights = weights
        self.classifier = classifier
    }

    /// The most images per class: the real reference set of the same size comes from the 10,000
    /// test images and must leave most of them for the statistics it is compared with.
    public static let maxImagesPerClass = 500

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if !(2...Self.maxImagesPerClass).contains(imagesPerClass) {
            throw .invalidOption(name: "count-per-class", reason: "must lie in 2...\(Self.maxImagesPerClass), got \(imagesPerClass)")
        }
        if !(1...10_000).contains(samplingSteps) { throw .invalidOption(name: "sampling-steps", reason: "must lie in 1...10000, got \(samplingSteps)") }
        if !(guidanceScale >= 0 && guidanceScale <= 100) { throw .invalidOption(name: "guidance", reason: "must lie in [0, 100], got \(guidanceScale)") }
    }
}

/// The figures of `GenerationQualityJob`: how often the classifier sees the intended class in a
/// generated image, and Fréchet distances on its penultimate features to the real test images,
/// beside the same figures for reference sets of the same size.
public struct GenerationQuality: Sendable {
    /// Generated images measured.
    public let generated: Int
    /// The share of generated images the classifier assigns to their intended class.
    public let classifierAccuracy: Double
    /// That share per class.
    public let perClassAccuracy: [Double]
    /// The classifier's accuracy on as many real test images (the ceiling).
    public let realAccuracy: Double
    /// Test images whose statistics every distance is measured against (the test split without the
    /// real reference set).
    public let referenceImages: Int
    /// Fréchet distance between the generated images' features and the real test images' features.
    public let frechetDistance: Double
    /// The same for as many other real test images: the floor at this sample size.
    public let realFrechetDistance: Double
    /// The same for those real images with each image's pixels shuffled.
    public let shuffledFrechetDistance: Double
    /// The same for those real images with Gaussian noise of σ = 0.5 (pixels in [0, 1]) added, clamped.
    public let noisedFrechetDistance: Double
    /// Seconds spent generating.
    public let generationSeconds: Double
}

/// Measures a class-conditional denoiser's samples with a classifier of the same dataset — the job
/// behind `synapse evaluate --weights ddpm.safetensors --classifier cnn.safetensors`: it generates
/// `imagesPerClass` images of every class with guided DDIM (x̂₀ clipped to [−1, 1]), and reports the
/// classifier's accuracy on their intended classes and the Fréchet distance (the FID formula, on the
/// classifier's penultimate features instead of Inception's) to the test images, beside reference
/// sets of the same size: as many other test images (real, pixel-shuffled, noised). The real
/// reference comes from the test split so that neither model has seen it; the statistics are the
/// rest of the test split.
public struct GenerationQualityJob {
    /// The measurement's options.
    public let options: GenerationQualityOptions
    /// Where progress lines go.
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: GenerationQualityOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads both models, generates and measures.
    /// - Throws: `PipelineError` (options, unreadable or mismatched models), `DataError` (dataset),
    ///   `FrechetDistanceError` (degenerate features).
    public func run() throws -> GenerationQuality {
        let o = options
        try o.validate()
        let denoiser = try DiffusionModelFile.load(from: o.weights)
        if o.samplingSteps > denoiser.schedule.trainingSteps {
            throw PipelineError.invalidOption(name: "sampling-steps", reason: "the model was trained with \(denoiser.schedule.trainingSteps) "
                                              + "timesteps; use at most that many")
        }
        try denoiser.checkGuidance(o.guidanceScale, flag: "guidance")
        let classifierMeta = WeightsMetadata(try SafeTensors.load(from: o.classifier).metadata, path: o.classifier.path)
        if let dataset = classifierMeta.optionalString("dataset"), dataset != denoiser.dataset.rawValue {
            throw PipelineError.invalidRun(path: o.classifier.path, reason: "is a classifier of \(dataset); the denoiser was trained on "
                                           + denoiser.dataset.rawValue)
        }
        let predictor = try ImagePredictor.load(weights: o.classifier, meta: classifierMeta, dataset: denoiser.dataset, batchSize: 500)
        guard predictor.model is any PenultimateFeatureClassifier, predictor.inputShape == denoiser.imageShape else {
            throw PipelineError.invalidRun(path: o.classifier.path, reason: "is not an image classifier with penultimate features "
                                           + "(cnn, mlp or vit) for \(denoiser.imageShape) images")
        }
        let classes = denoiser.model.nullClass ?? 0
        guard classes == predictor.classNames.count else {
            throw PipelineError.invalidRun(path: o.weights.path, reason: "is not a class-conditional model of the classifier's "
                                           + "\(predictor.classNames.count) classes")
        }
        let (_, test) = try denoiser.dataset.loadChecked(batchSize: 1)
        let extractor = FeatureExtractor(model: predictor.model, batchSize: 500)

        let labels = (0..<classes).flatMap { Array(repeating: $0, count: o.imagesPerClass) }
        let started = Date()
        let sampler = DDIMSampler(schedule: denoiser.schedule, prediction: denoiser.prediction, inferenceSteps: o.samplingSteps,
                                  clipSample: true)
        log("generating \(labels.count) images (\(o.imagesPerClass) per class, \(o.samplingSteps) DDIM steps, guidance \(o.guidanceScale))…")
        let generated = denoiser.model.generate(classLabels: labels, count: labels.count, imageShape: denoiser.imageShape, sampler: sampler,
                                                guidanceScale: Float(o.guidanceScale), generator: RandomGenerator(seed: o.seed))
        let seconds = Date().timeIntervalSince(started)
        let generatedPixels = (generated + 1) * 0.5

        // Neither model saw the test split: its first images are the real reference set, the rest the
        // statistics every set is measured against.
        let count = min(labels.count, test.count / 2)
        let real = test.subset(Array(0..<count)), rest = test.subset(Array(count..<test.count))
        let g = RandomGenerator(seed: o.seed &+ 7)
        let shuffled = Self.shufflingPixels(real.features, generator: g)
        let noised = clamp(real.features + Tensor.randn(real.features.shape, generator: g) * 0.5, min: 0, max: 1)

        let reference = try FeatureStatistics(features: extractor.run(rest.features).penultimate ?? [])
        func measured(_ images: Tensor, _ intended: [Int]) throws -> (accuracy: Double, hits: [Bool], distance: Double) {
            let out = extractor.run(images)
            let hits = zip(out.logits, intended).map { logits, label in logits.indices.max { logits[$0] < logits[$1] } == label }
            let distance = try FrechetDistance.distance(FeatureStatistics(features: out.penultimate ?? []), reference)
            return (Double(hits.filter { $0 }.count) / Double(max(hits.count, 1)), hits, distance)
        }
        let ours = try measured(generatedPixels, labels)
        let realLabels = real.labels.scalars
        let realMeasured = try measured(real.features, realLabels)
        let perClass = (0..<classes).map { k in
            Double(ours.hits[(k * o.imagesPerClass)..<((k + 1) * o.imagesPerClass)].filter { $0 }.count) / Double(o.imagesPerClass)
        }
        return GenerationQuality(generated: labels.count, classifierAccuracy: ours.accuracy, perClassAccuracy: perClass,
                                 realAccuracy: realMeasured.accuracy, referenceImages: rest.count, frechetDistance: ours.distance,
                                 realFrechetDistance: realMeasured.distance,
                                 shuffledFrechetDistance: try measured(shuffled, realLabels).distance,
                                 noisedFrechetDistance: try measured(noised, realLabels).distance, generationSeconds: seconds)
    }

    /// `images` [N, C, H, W] with each image's pixels (all channels of a pixel together) permuted
    /// independently: the intensity histogram stays, the structure goes.
    static func shufflingPixels(_ images: Tensor, generator: RandomGenerator) -> Tensor {
        let s = images.shape, pixels = s[2] * s[3], c = s[1]
        let values = images.contiguous().scalars
        var out = values
        for i in 0..<s[0] {
            let order = Permutation.shuffled(pixels, using: generator)
            for k in 0..<c {
                let base = (i * c + k) * pixels
                for p in 0..<pixels { out[base + p] = values[base + order[p]] }
            }
        }
        return Tensor(shape: s, scalars: out)
    }
}

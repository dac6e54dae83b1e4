import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// The splits of a one-class anomaly run, all drawn without leakage: the detector and the
/// baseline fit on `train` (normal classes only), the threshold on `validation` (held-out normal
/// images of the training split), and `test` (the test split's normal images and a seeded sample
/// of its anomaly-class images) is read once, at the end.
public struct AnomalyDetectionData {
    /// Normal training images.
    public let train: TensorDataset
    /// Held-out normal training images (the last 10% of the training split, as `--hold-out-validation`).
    public let validation: TensorDataset
    /// Test images; label 1 marks an anomaly, 0 a normal image.
    public let test: TensorDataset
    /// The anomaly class's name.
    public let anomalyName: String
}

/// What an anomaly-detection run reached.
public struct AnomalyDetectionResult {
    /// Every trained epoch's logs.
    public let history: TrainingHistory
    /// The detector on the test data, at the threshold set on validation data.
    public let detector: AnomalyEvaluation
    /// The PCA-reconstruction baseline, thresholded the same way.
    public let baseline: AnomalyEvaluation
    /// Mean training seconds per epoch.
    public let secondsPerEpoch: Double
    /// The trained detector.
    public let model: any AnomalyScoringModel
    /// Where the weights were saved.
    public let weights: URL
    /// Example counts: training, validation, test.
    public let sizes: (train: Int, validation: Int, test: Int)
}

/// Trains an autoencoder or a VAE as a one-class anomaly detector on an image dataset — the job
/// behind `synapse train --dataset fashion-mnist --model autoencoder|vae` — and evaluates it under
/// heavy imbalance against a PCA-reconstruction baseline (see `AnomalyDetectionOptions`).
public final class AnomalyDetectionJob {
    /// The run's options.
    public let options: AnomalyDetectionOptions
    /// Where progress lines go.
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: AnomalyDetectionOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads the dataset and draws the splits (see `AnomalyDetectionData`).
    /// - Throws: `DataError` (dataset missing or malformed), `PipelineError` (options).
    public func loadData() throws -> AnomalyDetectionData {
        let o = options
        try o.validate()
        let (train, test) = try o.dataset.loadChecked(batchSize: o.batchSize)
        func normals(_ d: TensorDataset) -> TensorDataset {
            d.subset(d.labels.scalars.indices.filter { d.labels.scalars[$0] != o.anomalyClass })
        }
        let trainingNormals = normals(o.dataset.trainingPart(of: train))
        let validation = normals(o.dataset.validationSplit(of: train))
        let testLabels = test.labels.scalars
        let normalIndices = testLabels.indices.filter { testLabels[$0] != o.anomalyClass }
        let anomalyIndices = testLabels.indices.filter { testLabels[$0] == o.anomalyClass }
        let wanted = Int((o.anomalyFraction / (1 - o.anomalyFraction) * Double(normalIndices.count)).rounded())
        guard wanted >= 1 && wanted <= anomalyIndices.count else {
            throw PipelineError.invalidOption(name: "anomaly-fraction", reason: "needs \(wanted) anomalies among \(normalIndices.count) normal test "
                                              + "images; the test split holds \(anomalyIndices.count)")
        }
        let order = Permutation.shuffled(anomalyIndices.count, using: RandomGenerator(seed: o.seed))
        let chosen = order.prefix(wanted).map { anomalyIndices[$0] }.sorted()
        let testSet = test.subset(normalIndices + chosen)
        let marked = TensorDataset(features: testSet.features,
                                   labels: IntTensor(Array(repeating: 0, count: normalIndices.count) + Array(repeating: 1, count: chosen.count)))
        try DataLoader(trainingNormals, batchSize: o.batchSize, shuffle: false, dropLast: true)
            .validateNotEmpty(name: "\(o.dataset.rawValue) normal training images (\(trainingNormals.count); lower --batch-size)")
        return AnomalyDetectionData(train: trainingNormals, validation: validation, test: marked,
                                    anomalyName: o.dataset.classNames[o.anomalyClass])
    }

    /// Builds the detector for examples of `inputSize` features.
    public func makeModel(inputSize: Int) -> any AnomalyScoringModel {
        let o = options, generator = RandomGenerator(seed: o.seed)
        switch o.model {
        case .autoencoder: return Autoencoder(inputSize: inputSize, hiddenSizes: o.hiddenSizes, latentSize: o.latentSize, generator: generator)
        case .vae: return VariationalAutoencoder(inputSize: inputSize, hiddenSizes: o.hiddenSizes, latentSize: o.latentSize, generator: generator)
        }
    }

    /// Checks, before anything is created, that `controls.resume` (if set) is a readable
    /// checkpoint of a run with the same hyperparameters (or `force` is set).
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log) }

    /// Scores of `data`'s examples, in order, in batches without gradients.
    static func scores(_ score: (Tensor) -> Tensor, _ data: TensorDataset) -> [Double] {
        withoutGradients {
            var out: [Double] = []
            out.reserveCapacity(data.count)
            for start in stride(from: 0, to: data.count, by: 1000) {
                let batch = data.batch(Array(start..<min(start + 1000, data.count)))
                out += score(batch.features).scalars.map(Double.init)
            }
            return out
        }
    }

    /// Runs the job on `data` (nil: `loadData()`).
    /// - Throws: `PipelineError`, `DataError`, `CheckpointError`, `TrainingError` (divergence),
    ///   `MetricError`, I/O errors of the outputs.
    @discardableResult
    public func run(data loaded: AnomalyDetectionData? = nil) throws -> AnomalyDetectionResult {
        let o = options, c = o.controls
        try o.validate()
        let data = try loaded ?? loadData()
        manualSeed(o.seed)
        let inputSize = data.train.features.count / max(data.train.count, 1)
        let model = makeModel(inputSize: inputSize)
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate)
        log("synapse train: \(o.dataset.rawValue) one-class anomaly detection, '\(data.anomalyName)' (class \(o.anomalyClass)) as the "
            + "anomaly: \(data.train.count) normal training / \(data.validation.count) normal validation / \(data.test.count) test images "
            + "(\(data.test.labels.scalars.reduce(0, +)) anomalies), model \(o.model.rawValue) (\(model.parameterCount) parameters)")
        let objective = TrainingObjective<TensorDataset.Batch>(forward: { batch in
            let perExample = model.perExampleLoss(batch.features)
            return (perExample.detached().reshaped([-1, 1]), perExample.mean())
        }, targets: { $0.labels.asFloat })
        let trainLoader = DataLoader(data.train, batchSize: o.batchSize, shuffle: true, dropLast: true, seed: o.seed)
        let validationLoader = DataLoader(data.validation, batchSize: 1000)
        var (callbacks, _) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                    totalSteps: o.epochs * trainLoader.count)
        callbacks += try LoopCallbacks.reporting(c, line: EpochLinePrinter(every: 1, log: log), hyperparameters: o.hyperparameters)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader, validation: validationLoader,
                              metrics: { _, _ in [:] }, callbacks: callbacks)
        trainer.precision = c.precision
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let resumed = trainer.context.epoch
        let history = try trainer.fit(epochs: o.epochs)
        if let reason = trainer.context.stopReason { log(reason) }
        model.eval()

        let isAnomaly = data.test.labels.scalars.map { $0 == 1 }
        let validationScores = Self.scores(model.anomalyScores, data.validation)
        let threshold = try AnomalyThreshold.forFalsePositiveRate(o.targetFalsePositiveRate, normalScores: validationScores)
        let detector = try AnomalyEvaluation(scores: Self.scores(model.anomalyScores, data.test), isAnomaly: isAnomaly,
                                             threshold: threshold, costs: o.costs)
        let rows = { (x: Tensor) in x.flattened(startDim: 1) }
        let pca = PCAReconstructionScorer(fitting: rows(data.train.features), componentCount: o.baselineComponents, seed: o.seed)
        let baselineThreshold = try AnomalyThreshold.forFalsePositiveRate(o.targetFalsePositiveRate,
                                                                           normalScores: Self.scores({ pca.scores(rows($0)) }, data.validation))
        let baseline = try AnomalyEvaluation(scores: Self.scores({ pca.scores(rows($0)) }, data.test), isAnomaly: isAnomaly,
                                             threshold: baselineThreshold, costs: o.costs)
        for (name, e) in [(o.model.rawValue, detector), ("PCA baseline (\(o.baselineComponents) components)", baseline)] {
            log(String(format: "%@: PR-AUC %.4f (random: %.4f), ROC-AUC %.4f; at threshold %.4g: precision %.3f, recall %.3f, FPR %.4f, "
                       + "cost %.0f (flag nothing: %.0f)", name, e.prAUC, e.prevalence, e.rocAUC, e.threshold, e.precision, e.recall,
                       e.falsePositiveRate, e.cost, e.costFlaggingNothing))
        }

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try model.save(to: o.output, metadata: [
            "task": "anomaly-detection", "dataset": o.dataset.rawValue, "model": o.model.rawValue, "input_size": String(inputSize),
            "hidden": o.hiddenSizes.map(String.init).joined(separator: ","), "latent": String(o.latentSize),
            "anomaly_class": String(o.anomalyClass), "threshold": String(threshold),
            "target_fpr": String(o.targetFalsePositiveRate), "epochs": String(trainer.context.epoch), "seed": String(o.seed),
        ])
        log("saved weights to \(o.output.path)")
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: "\(o.dataset.rawValue) \(o.model.rawValue)").write(to: dir) }
        let trained = history.records.dropFirst(resumed).compactMap { $0.values["epoch_seconds"] }
        return AnomalyDetectionResult(history: history, detector: detector, baseline: baseline,
                                      secondsPerEpoch: trained.isEmpty ? 0 : trained.reduce(0, +) / Double(trained.count),
                                      model: model, weights: o.output, sizes: (data.train.count, data.validation.count, data.test.count))
    }
}

import Foundation
import SynapseCore
import SynapseIO
import SynapseModels

/// A tabular `synapse train` run rebuilt from its weights for a later job (`synapse evaluate`,
/// `synapse calibrate`): the MLP with its weights loaded, and the data split again from the seed
/// and fractions recorded in the metadata and mapped by the preprocessing saved next to the weights
/// (never refitted), so its train, validation and test splits are the training run's.
struct TabularRun {
    /// The dataset.
    let benchmark: TabularBenchmark
    /// The rebuilt splits.
    let data: TabularExperimentData
    /// The trained network.
    let model: MLPClassifier
    /// Its hidden widths.
    let hidden: [Int]
    /// Its outputs (classes, or 1 for regression).
    let classes: Int
    /// The split's seed.
    let seed: UInt64
    /// The preprocessing file beside the weights.
    let preprocessingURL: URL

    /// Rebuilds the run of `weights`, expecting `benchmark` when given.
    /// - Throws: `PipelineError.invalidRun` naming the file when the weights or preprocessing do not
    ///   fit (every metadata value is range-checked: the file is external input), `DataError`.
    static func load(weights: URL, benchmark: TabularBenchmark?) throws -> TabularRun {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "cannot read the weights: \(error)")
        }
        let meta = archive.metadata
        if meta["source"] == "csv" {
            throw PipelineError.invalidRun(path: weights.path, reason: "the weights were trained on the CSV file \(meta["csv"] ?? "?"); "
                + "`synapse evaluate` and `calibrate` rebuild runs on the built-in datasets only (a CSV run's test metrics are in its report.json)")
        }
        guard let name = meta["dataset"], let saved = TabularBenchmark(rawValue: name) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "the weights were not saved by a tabular `synapse train` run "
                + "(metadata dataset is \(meta["dataset"] ?? "missing"))")
        }
        if let benchmark, benchmark != saved {
            throw PipelineError.invalidRun(path: weights.path, reason: "holds a model for \(saved.rawValue), not \(benchmark.rawValue)")
        }
        // Every value read back is range-checked before use: the file is external input.
        let recorded = WeightsMetadata(meta, path: weights.path)
        if let model = recorded.optionalString("model"), model != "mlp" {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata model is '\(model)'; tabular runs train an mlp")
        }
        guard let hidden = try recorded.optionalSizes("hidden", in: 1...TabularEvaluationJob.maxWidth, maxCount: TabularEvaluationJob.maxLayers) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata lacks the hidden sizes")
        }
        let seed = try recorded.seed()
        let validation = try recorded.fraction("validation"), test = try recorded.fraction("test")
        guard validation + test < 1 else {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata validation \(validation) and test \(test) leave no training rows")
        }
        let window = try recorded.integer("window", in: 1...TabularEvaluationJob.maxWindow)
        let preprocessingURL = TabularTrainingOptions.preprocessingURL(forWeights: weights)
        let prep = try PipelinePreprocessing.load(from: preprocessingURL)
        guard prep.dataset == saved.rawValue else {
            throw PipelineError.invalidRun(path: preprocessingURL.path, reason: "fitted on \(prep.dataset), but the weights are for \(saved.rawValue)")
        }
        let data = try TabularExperimentData(benchmark: saved, seed: seed, validation: validation, test: test,
                                             window: window, saved: prep)
        let classes = saved.task == .classification ? data.classNames.count : 1
        try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: data.inputSize, hiddenSizes: hidden, classes: classes),
                                 model: "MLP \(hidden)", source: weights.path)
        let model = MLPClassifier(inputSize: data.inputSize, hiddenSizes: hidden, classes: classes, generator: RandomGenerator(seed: 0))
        do { try model.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "does not fit an MLP \(hidden) for \(saved.rawValue): \(error)")
        }
        return TabularRun(benchmark: saved, data: data, model: model, hidden: hidden, classes: classes, seed: seed,
                          preprocessingURL: preprocessingURL)
    }

    /// Whether `weights` were saved by a tabular run of a built-in dataset (metadata `dataset`).
    static func isTabular(weights: URL) -> Bool {
        guard let archive = try? SafeTensors.load(from: weights), let name = archive.metadata["dataset"] else { return false }
        return TabularBenchmark(rawValue: name) != nil
    }
}

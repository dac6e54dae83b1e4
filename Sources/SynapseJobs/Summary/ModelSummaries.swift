import Foundation
import SynapseCore
import SynapseIO
import SynapseModels
import SynapseNN

/// `Module.summary` for the models the CLI builds, on a batch of one example of the shape they
/// take — the job behind `synapse summary`. A model comes from an architecture (`--model`,
/// `--dataset`) or from weights saved by `synapse train`, whose metadata names the architecture.
public enum ModelSummaries {
    /// The summary of an image classifier on one `[1] + inputShape` image.
    public static func summary(of architecture: ImageClassifierArchitecture) throws -> ModuleSummary {
        let model = try architecture.make(generator: RandomGenerator(seed: 0))
        return model.summary(input: Tensor.zeros([1] + architecture.inputShape))
    }

    /// The summary of a language model on one window of `context` tokens.
    public static func summary(of architecture: LanguageModelArchitecture) throws -> ModuleSummary {
        let model = try architecture.make(generator: RandomGenerator(seed: 0), source: "--model")
        return model.summary(input: IntTensor(shape: [1, architecture.context], scalars: [Int](repeating: 0, count: architecture.context)))
    }

    /// The summary of a tabular MLP on one row of `inputSize` features.
    public static func summaryOfTabularMLP(inputSize: Int, hiddenSizes: [Int], classes: Int) throws -> ModuleSummary {
        try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: inputSize, hiddenSizes: hiddenSizes, classes: classes),
                                 model: "MLP \(hiddenSizes)", source: "--hidden")
        let model = MLPClassifier(inputSize: inputSize, hiddenSizes: hiddenSizes, classes: classes, generator: RandomGenerator(seed: 0))
        return model.summary(input: Tensor.zeros([1, inputSize]))
    }

    /// The summary of the model held by `weights` (saved by `synapse train`), rebuilt from its
    /// metadata (and, for tabular runs, the preprocessing beside it) and loaded.
    /// - Throws: `PipelineError` / `PredictionError` naming the file when the metadata does not
    ///   describe a model.
    public static func summary(weights: URL) throws -> ModuleSummary {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "cannot read the weights: \(error)")
        }
        let meta = WeightsMetadata(archive.metadata, path: weights.path)
        if let (model, architecture) = try LanguageModelArchitecture.loadSaved(weights, meta: meta) {
            return model.summary(input: IntTensor(shape: [1, architecture.context], scalars: [Int](repeating: 0, count: architecture.context)))
        }
        switch try PredictionJob(weights: weights).loadModelPredictor() {
        case let p as ImagePredictor: return p.model.summary(input: Tensor.zeros([1] + p.inputShape))
        case let p as TabularPredictor: return p.model.summary(input: Tensor.zeros([1, p.model.inputSize]))
        default: throw PredictionError.unsupportedModel(path: weights.path, reason: "no architecture to summarise")
        }
    }
}

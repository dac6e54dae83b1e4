import ArgumentParser
import Foundation
import Synapse

/// `synapse summary`: the per-layer table of a model (output shapes, parameter counts).
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers with output shapes and parameter counts (like torchinfo or Keras' summary()).",
        discussion: """
        Either --model (with --dataset for the input shape and classes: default fashion-mnist for mlp and cnn, \
        shakespeare for char-lstm and gpt; tabular datasets take mlp with its default hidden sizes), or --weights \
        saved by `synapse train`, whose metadata names the architecture. The model runs once on a batch of one \
        example in evaluation mode; every module call is a row, in execution order, indented by depth and named \
        by its state-dict path. Totals: parameters, trainable parameters, buffer elements and the size in MB of \
        Float32 parameters and buffers. --json prints the same as one JSON object.
        """
    )

    @Option(help: "Model architecture: mlp, cnn, vit, autoencoder, vae, char-lstm, gpt.")
    var model: ModelName?

    @Option(help: "Dataset that sizes the model's input and output (with --model).")
    var dataset: DatasetName?

    @Option(help: "Weights saved by `synapse train`: the architecture comes from their metadata.")
    var weights: String?

    @Flag(help: "Print one JSON object (layers, input_shapes, total_parameters, trainable_parameters, buffer_elements, size_mb).")
    var json = false

    func validate() throws {
        switch (model, weights) {
        case (nil, nil): throw ValidationError("pass --model (mlp, cnn, vit, char-lstm, gpt) or --weights")
        case (.some, .some): throw ValidationError("--model and --weights exclude each other: the weights' metadata names the model")
        case (nil, .some) where dataset != nil: throw ValidationError("--dataset only applies with --model (the weights record theirs)")
        default: break
        }
    }

    func run() throws {
        let summary: ModuleSummary
        if let weights {
            guard FileManager.default.fileExists(atPath: weights) else {
                throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
            }
            summary = try ModelSummaries.summary(weights: URL(fileURLWithPath: weights))
        } else {
            summary = try architectureSummary(model!)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary)
        }
    }

    /// The summary of `model` sized for `--dataset` (or the model's default dataset).
    private func architectureSummary(_ model: ModelName) throws -> ModuleSummary {
        if let kind = model.languageModel {
            let dataset = self.dataset ?? .shakespeare
            guard let corpus = dataset.textCorpus else {
                throw ValidationError("--model \(model.rawValue) is a language model: --dataset must be a text corpus (shakespeare, vim-docs)")
            }
            let vocabulary = CharacterVocabulary(try corpus.load())
            return try ModelSummaries.summary(of: LanguageModelArchitecture(kind: kind, vocabularySize: vocabulary.count,
                                                                            context: kind.defaultContext))
        }
        if let detector = model.anomalyDetector {
            guard (self.dataset ?? .fashionMNIST).imageDataset != nil else {
                throw ValidationError("--model \(model.rawValue) detects anomalies in an image dataset: --dataset must be fashion-mnist or mnist")
            }
            let generator = RandomGenerator(seed: 0)
            let network: any Layer = detector == .autoencoder ? Autoencoder(generator: generator) : VariationalAutoencoder(generator: generator)
            return network.summary(input: Tensor.zeros([1, 1, 28, 28]))
        }
        guard let kind = model.imageClassifier else {
            throw ValidationError("--model \(model.rawValue) has no summary by name (its size depends on the data): summarise the weights "
                                  + "of a run with --weights, or name mlp, cnn, vit, autoencoder, vae, char-lstm or gpt")
        }
        let dataset = self.dataset ?? .fashionMNIST
        if let images = dataset.imageDataset {
            return try ModelSummaries.summary(of: ImageClassifierArchitecture(kind: kind, inputShape: [1, 28, 28],
                                                                              classes: images.classNames.count))
        }
        guard let benchmark = dataset.tabularBenchmark, kind == .mlp else {
            throw ValidationError("--dataset \(dataset.rawValue) does not fit --model \(model.rawValue) (image datasets: mlp, cnn, vit; "
                                  + "tabular datasets: mlp; text corpora: char-lstm, gpt)")
        }
        let defaults = TabularTrainingOptions(benchmark: benchmark, output: URL(fileURLWithPath: "unused"))
        let data = try TabularExperimentData(benchmark: benchmark, seed: defaults.seed, validation: defaults.validationFraction,
                                             test: defaults.testFraction, window: defaults.window)
        return try ModelSummaries.summaryOfTabularMLP(inputSize: data.inputSize, hiddenSizes: defaults.hiddenSizes,
                                                     classes: benchmark.task == .classification ? data.classNames.count : 1)
    }
}

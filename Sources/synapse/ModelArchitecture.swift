import ArgumentParser
import Foundation
import Synapse

/// What rebuilds an image classifier: the model name with its sizes. Training writes it into the
/// weights' metadata; `evaluate` reads it back (range-checked, size-limited before allocating).
struct ClassifierArchitecture {
    let model: ModelName
    let inputShape: [Int]
    let classes: Int
    /// Hidden widths of the MLP (the recipe's 512, 256); unused by the CNN, whose layers are fixed.
    var hiddenSizes = [512, 256]

    /// The metadata entries describing it.
    var metadata: [String: String] {
        var m = ["model": model.rawValue, "input_shape": inputShape.map(String.init).joined(separator: ","), "classes": String(classes)]
        if model == .mlp { m["hidden"] = hiddenSizes.map(String.init).joined(separator: ",") }
        return m
    }

    /// Reads the architecture for a dataset of `inputShape` and `classes` from `meta`: recorded
    /// sizes must match the dataset and lie in range; files from before the sizes were recorded get
    /// the recipe's sizes.
    static func read(_ meta: WeightsMetadata, model: ModelName, inputShape: [Int], classes: Int) throws -> ClassifierArchitecture {
        var a = ClassifierArchitecture(model: model, inputShape: inputShape, classes: classes)
        if let shape = try meta.optionalSizes("input_shape", in: 1...(1 << 16), maxCount: 4), shape != inputShape {
            throw PipelineError.invalidRun(path: meta.path, reason: "metadata input_shape \(shape) differs from the dataset's \(inputShape)")
        }
        if let recorded = try meta.optionalInteger("classes", in: 1...(1 << 20)), recorded != classes {
            throw PipelineError.invalidRun(path: meta.path, reason: "metadata classes \(recorded) differs from the dataset's \(classes)")
        }
        if model == .mlp, let hidden = try meta.optionalSizes("hidden", in: 1...TabularEvaluationJob.maxWidth, maxCount: TabularEvaluationJob.maxLayers) {
            a.hiddenSizes = hidden
        }
        return a
    }

    /// Builds the network, refusing one over `ModelSizeLimit.maxParameters` before allocating it.
    func make(generator: RandomGenerator, source: String = "--model") throws -> any Layer {
        switch model {
        case .mlp:
            let inputs = inputShape.reduce(1, *)
            try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: inputs, hiddenSizes: hiddenSizes, classes: classes),
                                     model: "MLP \(hiddenSizes)", source: source)
            return MLPClassifier(inputSize: inputs, hiddenSizes: hiddenSizes, classes: classes, generator: generator)
        case .cnn:
            // Fixed layers sized by the dataset's images, which the CNN needs square with a side divisible by 4.
            guard inputShape.count == 3, inputShape[1] == inputShape[2], inputShape[1] % 4 == 0 else {
                throw ValidationError("--model cnn needs square images with a side divisible by 4, got \(inputShape)")
            }
            return CNNClassifier(channels: inputShape[0], size: inputShape[1], classes: classes, generator: generator)
        case .charLSTM, .gpt: throw ValidationError("--model \(model.rawValue) is a language model, not a classifier")
        }
    }
}

/// What rebuilds a character-level language model: the name, vocabulary size, context and layer
/// sizes (fixed by the recipes W4 and W5 today, recorded so that files stay readable if they change).
struct LanguageModelArchitecture {
    let model: ModelName
    let vocabularySize: Int
    let context: Int
    /// char-lstm: embedding width; gpt: model width.
    var width: Int
    /// char-lstm: LSTM hidden size; gpt: MLP width.
    var innerWidth: Int
    var layers: Int
    /// gpt only.
    var heads: Int

    /// The recipe's sizes for `model`.
    init(model: ModelName, vocabularySize: Int, context: Int) {
        self.model = model
        self.vocabularySize = vocabularySize
        self.context = context
        (width, innerWidth, layers, heads) = model == .gpt ? (128, 512, 4, 4) : (64, 256, 1, 1)
    }

    /// Largest context, width and layer count accepted from metadata.
    static let maxContext = 1 << 16, maxWidth = 1 << 14, maxLayers = 64

    /// The metadata entries describing it (with the vocabulary stored separately).
    var metadata: [String: String] {
        var m = ["model": model.rawValue, "context": String(context), "layers": String(layers)]
        if model == .gpt {
            m["width"] = String(width); m["mlp_width"] = String(innerWidth); m["heads"] = String(heads)
        } else {
            m["embedding"] = String(width); m["hidden"] = String(innerWidth)
        }
        return m
    }

    /// Reads the architecture from `meta`, range-checked; absent sizes are the recipe's.
    static func read(_ meta: WeightsMetadata, model: ModelName, vocabularySize: Int) throws -> LanguageModelArchitecture {
        let context = try meta.integer("context", in: 1...maxContext)
        var a = LanguageModelArchitecture(model: model, vocabularySize: vocabularySize, context: context)
        a.layers = try meta.optionalInteger("layers", in: 1...maxLayers) ?? a.layers
        if model == .gpt {
            a.width = try meta.optionalInteger("width", in: 1...maxWidth) ?? a.width
            a.innerWidth = try meta.optionalInteger("mlp_width", in: 1...maxWidth) ?? a.innerWidth
            a.heads = try meta.optionalInteger("heads", in: 1...a.width) ?? a.heads
            guard a.width % a.heads == 0 else {
                throw PipelineError.invalidRun(path: meta.path, reason: "metadata width \(a.width) is not divisible by heads \(a.heads)")
            }
        } else {
            a.width = try meta.optionalInteger("embedding", in: 1...maxWidth) ?? a.width
            a.innerWidth = try meta.optionalInteger("hidden", in: 1...maxWidth) ?? a.innerWidth
        }
        return a
    }

    /// Builds the model, refusing one over `ModelSizeLimit.maxParameters` before allocating it.
    func make(generator: RandomGenerator, source: String) throws -> any LanguageModel {
        switch model {
        case .charLSTM:
            try ModelSizeLimit.check(ModelSizeLimit.charLSTM(vocabulary: vocabularySize, embedding: width, hidden: innerWidth, layers: layers),
                                     model: "char-lstm", source: source)
            return CharLSTMLanguageModel(vocabularySize: vocabularySize, embeddingDim: width, hiddenSize: innerWidth, numLayers: layers,
                                         generator: generator)
        case .gpt:
            try ModelSizeLimit.check(ModelSizeLimit.gpt(vocabulary: vocabularySize, context: context, width: width, layers: layers,
                                                        mlpWidth: innerWidth), model: "gpt", source: source)
            return GPTLanguageModel(vocabularySize: vocabularySize, contextLength: context, dModel: width, numLayers: layers, numHeads: heads,
                                    dimFeedforward: innerWidth, generator: generator)
        case .mlp, .cnn: throw ValidationError("--model \(model.rawValue) is a classifier, not a language model")
        }
    }
}

import SynapseCore
import SynapseModels
import SynapseOptim

/// The character-level language models the jobs build, with their recipes (W4, W5).
public enum LanguageModelKind: String, Sendable, CaseIterable {
    /// `CharLSTMLanguageModel` (W4).
    case charLSTM = "char-lstm"
    /// `GPTLanguageModel` (W5).
    case gpt

    /// The recipe's optimiser: Adam (W4) for char-lstm, AdamW with weight decay 0.01 (W5) for gpt.
    public func makeOptimizer(for model: any LanguageModel, learningRate: Double) -> any Optimizer {
        self == .gpt ? AdamW(model.parameters(), learningRate: learningRate, weightDecay: 0.01)
            : Adam(model.parameters(), learningRate: learningRate)
    }

    /// The recipe's batch size in windows (W4: 32, W5: 16).
    public var defaultBatchSize: Int { self == .gpt ? 16 : 32 }

    /// The recipe's window length in tokens (W4: 64, W5: 128).
    public var defaultContext: Int { self == .gpt ? 128 : 64 }
}

/// What rebuilds a character-level language model: the kind, vocabulary size, context and layer
/// sizes (fixed by the recipes W4 and W5 today, recorded so that files stay readable if they change).
public struct LanguageModelArchitecture: Sendable {
    /// The kind of model.
    public let kind: LanguageModelKind
    /// Distinct tokens.
    public let vocabularySize: Int
    /// Tokens per window (gpt reads at most this many).
    public let context: Int
    /// char-lstm: embedding width; gpt: model width.
    public var width: Int
    /// char-lstm: LSTM hidden size; gpt: MLP width.
    public var innerWidth: Int
    /// Layers.
    public var layers: Int
    /// Attention heads (gpt only).
    public var heads: Int

    /// The recipe's sizes for `kind`.
    public init(kind: LanguageModelKind, vocabularySize: Int, context: Int) {
        self.kind = kind
        self.vocabularySize = vocabularySize
        self.context = context
        (width, innerWidth, layers, heads) = kind == .gpt ? (128, 512, 4, 4) : (64, 256, 1, 1)
    }

    /// Largest context, width and layer count accepted from metadata.
    public static let maxContext = 1 << 16, maxWidth = 1 << 14, maxLayers = 64

    /// The metadata entries describing it (with the vocabulary stored separately).
    public var metadata: [String: String] {
        var m = ["model": kind.rawValue, "context": String(context), "layers": String(layers)]
        if kind == .gpt {
            m["width"] = String(width); m["mlp_width"] = String(innerWidth); m["heads"] = String(heads)
        } else {
            m["embedding"] = String(width); m["hidden"] = String(innerWidth)
        }
        return m
    }

    /// Reads the architecture from `meta`, range-checked; absent sizes are the recipe's.
    /// - Throws: `PipelineError.invalidRun` naming the file and the entry at fault.
    public static func read(_ meta: WeightsMetadata, kind: LanguageModelKind, vocabularySize: Int) throws -> LanguageModelArchitecture {
        let context = try meta.integer("context", in: 1...maxContext)
        var a = LanguageModelArchitecture(kind: kind, vocabularySize: vocabularySize, context: context)
        a.layers = try meta.optionalInteger("layers", in: 1...maxLayers) ?? a.layers
        if kind == .gpt {
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
    /// - Parameter source: the flag or file named in errors.
    public func make(generator: RandomGenerator, source: String) throws -> any LanguageModel {
        switch kind {
        case .charLSTM:
            try ModelSizeLimit.check(ModelSizeLimit.charLSTM(vocabulary: vocabularySize, embedding: width, hidden: innerWidth, layers: layers),
                                     model: "char-lstm", source: source)
            return CharLSTMLanguageModel(vocabularySize: vocabularySize, embeddingDim: width, hiddenSize: innerWidth, numLayers: layers,
                                         generator: generator)
        case .gpt:
            try ModelSizeLimit.check(ModelSizeLimit.gpt(vocabulary: vocabularySize, context: context, width: width, layers: layers,
                                                        mlpWidth: innerWidth), model: "gpt", source: source)
            return GPTLanguageModel(vocabularySize: vocabularySize, contextLength: context, dModel: width, numLayers: layers,
                                    numHeads: heads, dimFeedforward: innerWidth, generator: generator)
        }
    }
}

import Foundation
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
    /// The model width: gpt's `dModel`; char-lstm's embedding size (`embeddingDim`).
    public var dModel: Int
    /// The inner width: gpt's feed-forward width (`dimFeedforward`); char-lstm's LSTM `hiddenSize`.
    public var innerWidth: Int
    /// Stacked layers (transformer blocks or LSTM layers).
    public var numLayers: Int
    /// Attention heads (gpt only).
    public var numHeads: Int

    /// The model width.
    @available(*, deprecated, renamed: "dModel")
    public var width: Int { get { dModel } set { dModel = newValue } }
    /// Stacked layers.
    @available(*, deprecated, renamed: "numLayers")
    public var layers: Int { get { numLayers } set { numLayers = newValue } }
    /// Attention heads.
    @available(*, deprecated, renamed: "numHeads")
    public var heads: Int { get { numHeads } set { numHeads = newValue } }

    /// The recipe's sizes for `kind`.
    public init(kind: LanguageModelKind, vocabularySize: Int, context: Int) {
        self.kind = kind
        self.vocabularySize = vocabularySize
        self.context = context
        (dModel, innerWidth, numLayers, numHeads) = kind == .gpt ? (128, 512, 4, 4) : (64, 256, 1, 1)
    }

    /// Largest context, width and layer count accepted from metadata.
    public static let maxContext = 1 << 16, maxWidth = 1 << 14, maxLayers = 64

    /// The metadata entries describing it (with the vocabulary stored separately).
    public var metadata: [String: String] {
        var m = ["model": kind.rawValue, "context": String(context), "layers": String(numLayers)]
        if kind == .gpt {
            m["width"] = String(dModel); m["mlp_width"] = String(innerWidth); m["heads"] = String(numHeads)
        } else {
            m["embedding"] = String(dModel); m["hidden"] = String(innerWidth)
        }
        return m
    }

    /// Reads the architecture from `meta`, range-checked; absent sizes are the recipe's.
    /// - Throws: `PipelineError.invalidRun` naming the file and the entry at fault.
    public static func read(_ meta: WeightsMetadata, kind: LanguageModelKind, vocabularySize: Int) throws -> LanguageModelArchitecture {
        let context = try meta.integer("context", in: 1...maxContext)
        var a = LanguageModelArchitecture(kind: kind, vocabularySize: vocabularySize, context: context)
        a.numLayers = try meta.optionalInteger("layers", in: 1...maxLayers) ?? a.numLayers
        if kind == .gpt {
            a.dModel = try meta.optionalInteger("width", in: 1...maxWidth) ?? a.dModel
            a.innerWidth = try meta.optionalInteger("mlp_width", in: 1...maxWidth) ?? a.innerWidth
            a.numHeads = try meta.optionalInteger("heads", in: 1...a.dModel) ?? a.numHeads
            guard a.dModel % a.numHeads == 0 else {
                throw PipelineError.invalidRun(path: meta.path, reason: "metadata width \(a.dModel) is not divisible by heads \(a.numHeads)")
            }
        } else {
            a.dModel = try meta.optionalInteger("embedding", in: 1...maxWidth) ?? a.dModel
            a.innerWidth = try meta.optionalInteger("hidden", in: 1...maxWidth) ?? a.innerWidth
        }
        return a
    }

    /// Builds the model, refusing one over `ModelSizeLimit.maxParameters` before allocating it.
    /// - Parameter source: the flag or file named in errors.
    public func make(generator: RandomGenerator, source: String) throws -> any LanguageModel {
        switch kind {
        case .charLSTM:
            try ModelSizeLimit.check(ModelSizeLimit.charLSTM(vocabulary: vocabularySize, embedding: dModel, hidden: innerWidth, layers: numLayers),
                                     model: "char-lstm", source: source)
            return CharLSTMLanguageModel(vocabularySize: vocabularySize, embeddingDim: dModel, hiddenSize: innerWidth, numLayers: numLayers,
                                         generator: generator)
        case .gpt:
            try ModelSizeLimit.check(ModelSizeLimit.gpt(vocabulary: vocabularySize, context: context, dModel: dModel,
                                                        numLayers: numLayers, dimFeedforward: innerWidth), model: "gpt", source: source)
            return GPTLanguageModel(vocabularySize: vocabularySize, contextLength: context, dModel: dModel, numLayers: numLayers,
                                    numHeads: numHeads, dimFeedforward: innerWidth, generator: generator)
        }
    }
}

extension LanguageModelArchitecture {
    /// The language model saved in `weights` (metadata `meta`), rebuilt from its recorded vocabulary
    /// and sizes and loaded; nil when the metadata names no language model.
    /// - Throws: `PipelineError.invalidRun` (vocabulary or sizes missing or out of range), the
    ///   loader's error when the tensors do not fit.
    static func loadSaved(_ weights: URL, meta: WeightsMetadata) throws -> (model: any LanguageModel, architecture: LanguageModelArchitecture)? {
        guard let name = meta.optionalString("model"), let kind = LanguageModelKind(rawValue: name) else { return nil }
        guard let text = meta.optionalString(CharacterVocabulary.metadataKey) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "no '\(CharacterVocabulary.metadataKey)' metadata for the \(name) model")
        }
        let vocabulary = try CharacterVocabulary(metadataValue: text, file: weights.path)
        let architecture = try read(meta, kind: kind, vocabularySize: vocabulary.count)
        let model = try architecture.make(generator: RandomGenerator(seed: 0), source: weights.path)
        try model.load(from: weights)
        return (model, architecture)
    }
}

import Foundation

/// The architecture of a BERT-family encoder, read from a Hugging Face `config.json` (the keys of
/// `transformers.BertConfig`). Only absolute position embeddings and the exact (erf) GELU or its
/// tanh approximation are supported, which covers BERT, MiniLM, all-MiniLM/all-mpnet-style
/// sentence encoders built on `BertModel`, and most distilled BERTs.
public struct BertConfig: Codable, Sendable, Equatable {
    /// Rows of the word-embedding table.
    public var vocabularySize: Int
    /// Width of every hidden state.
    public var hiddenSize: Int
    /// Number of encoder layers.
    public var numLayers: Int
    /// Attention heads per layer (`hiddenSize` must be divisible by it).
    public var numHeads: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// `gelu` (exact, erf), `gelu_new`/`gelu_pytorch_tanh` (tanh approximation) or `relu`.
    public var hiddenActivation: String
    /// Rows of the position-embedding table: the longest sequence the model reads.
    public var maxPositionEmbeddings: Int
    /// Rows of the token-type (segment) table.
    public var typeVocabularySize: Int
    /// ε of every LayerNorm.
    public var layerNormEps: Float
    /// Dropout after embeddings, attention output and feed-forward output (training only).
    public var hiddenDropout: Float
    /// Dropout on the attention probabilities (training only).
    public var attentionDropout: Float
    /// Id of the padding token.
    public var padTokenID: Int

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", numLayers = "num_hidden_layers"
        case numHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenActivation = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabularySize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenDropout = "hidden_dropout_prob"
        case attentionDropout = "attention_probs_dropout_prob", padTokenID = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type", modelType = "model_type"
    }

    /// A configuration; the defaults are BERT-base's.
    public init(vocabularySize: Int = 30522, hiddenSize: Int = 768, numLayers: Int = 12, numHeads: Int = 12,
                intermediateSize: Int = 3072, hiddenActivation: String = "gelu", maxPositionEmbeddings: Int = 512,
                typeVocabularySize: Int = 2, layerNormEps: Float = 1e-12, hiddenDropout: Float = 0.1,
                attentionDropout: Float = 0.1, padTokenID: Int = 0) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEps = layerNormEps
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.padTokenID = padTokenID
    }

    /// Decodes `config.json`, with Hugging Face's defaults for absent optional keys.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BertConfig()
        vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numLayers = try c.decode(Int.self, forKey: .numLayers)
        numHeads = try c.decode(Int.self, forKey: .numHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? d.hiddenActivation
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? d.maxPositionEmbeddings
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? d.typeVocabularySize
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? d.layerNormEps
        hiddenDropout = try c.decodeIfPresent(Float.self, forKey: .hiddenDropout) ?? d.hiddenDropout
        attentionDropout = try c.decodeIfPresent(Float.self, forKey: .attentionDropout) ?? d.attentionDropout
        padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID) ?? d.padTokenID
        let positions = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
        guard positions == "absolute" else {
            throw DecodingError.dataCorruptedError(forKey: .positionEmbeddingType, in: c,
                                                   debugDescription: "position_embedding_type '\(positions)' (only 'absolute' is supported)")
        }
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "bert" {
            throw DecodingError.dataCorruptedError(forKey: .modelType, in: c,
                                                   debugDescription: "model_type '\(type)' (only 'bert' is supported)")
        }
    }

    /// Encodes the keys `config.json` uses.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("bert", forKey: .modelType)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numLayers, forKey: .numLayers)
        try c.encode(numHeads, forKey: .numHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(hiddenActivation, forKey: .hiddenActivation)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(typeVocabularySize, forKey: .typeVocabularySize)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(hiddenDropout, forKey: .hiddenDropout)
        try c.encode(attentionDropout, forKey: .attentionDropout)
        try c.encode(padTokenID, forKey: .padTokenID)
        try c.encode("absolute", forKey: .positionEmbeddingType)
    }

    /// Reads and validates `config.json`.
    public init(contentsOf url: URL) throws(PretrainedModelError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .missingFile(path: url.path, reason: "cannot read config.json (\(error.localizedDescription))")
        }
        do { self = try JSONDecoder().decode(BertConfig.self, from: data) } catch let error as DecodingError {
            throw .invalidConfig(path: url.path, reason: Self.describe(error))
        } catch {
            throw .invalidConfig(path: url.path, reason: "\(error)")
        }
        if let problem = validationProblem() { throw .invalidConfig(path: url.path, reason: problem) }
    }

    /// A sentence describing the first value out of range, or nil when the configuration is usable.
    public func validationProblem() -> String? {
        let limits: [(String, Int, ClosedRange<Int>)] = [
            ("vocab_size", vocabularySize, 1...10_000_000), ("hidden_size", hiddenSize, 1...65_536),
            ("num_hidden_layers", numLayers, 1...1_000), ("num_attention_heads", numHeads, 1...1_024),
            ("intermediate_size", intermediateSize, 1...1_048_576),
            ("max_position_embeddings", maxPositionEmbeddings, 1...1_048_576),
            ("type_vocab_size", typeVocabularySize, 1...1_024)]
        for (key, value, range) in limits where !range.contains(value) {
            return "\(key) is \(value), outside \(range.lowerBound)...\(range.upperBound)"
        }
        if hiddenSize % numHeads != 0 { return "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numHeads)" }
        if !(0..<vocabularySize).contains(padTokenID) { return "pad_token_id \(padTokenID) is outside the vocabulary" }
        if !(layerNormEps > 0 && layerNormEps.isFinite) { return "layer_norm_eps must be positive, got \(layerNormEps)" }
        for (key, p) in [("hidden_dropout_prob", hiddenDropout), ("attention_probs_dropout_prob", attentionDropout)]
        where !(0..<1).contains(p) {
            return "\(key) must be in [0, 1), got \(p)"
        }
        if activation == nil { return "hidden_act '\(hiddenActivation)' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)" }
        return nil
    }

    /// The feed-forward activation named by `hiddenActivation`, or nil when unsupported.
    var activation: BertActivation? {
        switch hiddenActivation {
        case "gelu": return .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": return .geluTanh
        case "relu": return .relu
        default: return nil
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

/// The feed-forward activation of a BERT layer.
enum BertActivation: Sendable {
    case gelu, geluTanh, relu
}

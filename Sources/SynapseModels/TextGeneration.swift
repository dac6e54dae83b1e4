import Foundation
import SynapseCore

/// Invalid settings for `TextGenerator`.
public enum TextGenerationError: Error, CustomStringConvertible, Equatable {
    /// The temperature is not a positive finite number.
    case invalidTemperature(Float)
    /// top-k is below 1, or above the model's vocabulary size (when known).
    case invalidTopK(Int, vocabularySize: Int?)
    /// The number of tokens to generate is negative.
    case invalidLength(Int)
    /// Generation needs at least one prompt token to condition on.
    case emptyPrompt
    /// A prompt token id is outside the model's vocabulary.
    case tokenOutOfRange(Int, vocabularySize: Int)

    /// Human-readable explanation naming the bad value.
    public var description: String {
        switch self {
        case .invalidTemperature(let t): "temperature must be a positive finite number, got \(t)"
        case .invalidTopK(let k, let v?): "top-k must be in 1...\(v) (the vocabulary size), got \(k)"
        case .invalidTopK(let k, nil): "top-k must be at least 1, got \(k)"
        case .invalidLength(let n): "the number of tokens to generate must be at least 0, got \(n)"
        case .emptyPrompt: "the prompt must contain at least one token"
        case .tokenOutOfRange(let id, let v): "prompt token id \(id) is outside the vocabulary 0..<\(v)"
        }
    }
}

/// Autoregressive sampling from a `LanguageModel`: temperature, top-k, and a seeded generator so the
/// same seed always gives the same text.
///
/// Each step divides the next-token logits by `temperature`, keeps the `topK` largest (all when
/// nil; ties broken towards the lower id), and draws from their softmax with one uniform number
/// from `generator`. With `topK == 1` this is greedy decoding (argmax). Recurrent models carry their
/// state from step to step; attention models crop the sequence to their context (see
/// `LanguageModel.makeDecoder()`).
public struct TextGenerator {
    /// Logits are divided by this before the softmax: below 1 sharpens, above 1 flattens.
    public let temperature: Float
    /// Only the k most likely tokens are sampled from; nil for all.
    public let topK: Int?

    /// Validated settings.
    /// - Throws: `TextGenerationError.invalidTemperature` unless `temperature` is positive and finite;
    ///   `.invalidTopK` when `topK` is below 1 (the upper bound is checked against the model).
    public init(temperature: Float = 1, topK: Int? = nil) throws(TextGenerationError) {
        guard temperature > 0, temperature.isFinite else { throw .invalidTemperature(temperature) }
        if let topK, topK < 1 { throw .invalidTopK(topK, vocabularySize: nil) }
        self.temperature = temperature
        self.topK = topK
    }

    /// `length` new token ids continuing `prompt`, drawn from `model` with `generator`.
    public func generate(_ model: some LanguageModel, prompt: [Int], length: Int,
                         generator: RandomGenerator) throws(TextGenerationError) -> [Int] {
        let vocabulary = model.vocabularySize
        guard length >= 0 else { throw .invalidLength(length) }
        guard !prompt.isEmpty else { throw .emptyPrompt }
        if let bad = prompt.first(where: { $0 < 0 || $0 >= vocabulary }) { throw .tokenOutOfRange(bad, vocabularySize: vocabulary) }
        if let topK, topK > vocabulary { throw .invalidTopK(topK, vocabularySize: vocabulary) }
        var out: [Int] = []
        out.reserveCapacity(length)
        guard length > 0 else { return out }
        let decoder = model.makeDecoder()
        var logits = decoder.feed(prompt)
        while true {
            let token = sample(logits, generator: generator)
            out.append(token)
            if out.count == length { return out }
            logits = decoder.feed([token])
        }
    }

    /// One token id drawn from `logits` under this generator's temperature and top-k.
    public func sample(_ logits: [Float], generator: RandomGenerator) -> Int {
        require(!logits.isEmpty, "TextGenerator.sample: no logits")
        var candidates = Array(logits.indices)
        if let topK, topK < logits.count {
            // Stable order: larger logit first, lower id first among equal logits.
            candidates.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
            candidates.removeLast(candidates.count - topK)
        }
        let scaled = candidates.map { Double(logits[$0]) / Double(temperature) }
        let top = scaled.max()!
        let weights = scaled.map { Foundation.exp($0 - top) }
        var u = generator.nextUniformDouble() * weights.reduce(0, +)
        for (candidate, w) in zip(candidates, weights) {
            u -= w
            if u < 0 { return candidate }
        }
        return candidates[weights.lastIndex { $0 > 0 } ?? 0]
    }
}

import Foundation
import SynapseCore
import SynapseModels
import SynapseNN

/// A served character language model (`char-lstm`, `gpt`): `:generate` continues a prompt with
/// the same sampler as `synapse generate`, so the same seed gives the same text.
///
/// `@unchecked Sendable`: the model is only read after loading; each request makes its own decoder
/// (the recurrent state or attention cache lives there), so requests may run at once.
final class LanguageModelServable: ServableLanguageModel, @unchecked Sendable {
    let model: any LanguageModel
    let vocabulary: CharacterVocabulary
    let info: ServableModelInfo
    /// At most this many tokens per request (bounds one request's work).
    let maxTokensLimit = 4096
    /// Prompts longer than this are refused (characters).
    static let maxPromptLength = 100_000

    init(model: any LanguageModel, vocabulary: CharacterVocabulary, architecture: LanguageModelArchitecture) {
        self.model = model
        model.eval()
        self.vocabulary = vocabulary
        info = ServableModelInfo(task: .generation,
                                 inputSchema: .text(vocabularySize: vocabulary.count,
                                                    context: architecture.kind == .gpt ? architecture.context : nil),
                                 classNames: [], modelDescription: "\(architecture.kind.rawValue) on a character vocabulary of \(vocabulary.count)",
                                 rowWidth: 0, driftFeatureNames: [])
    }

    func generate(_ request: GenerationRequest) throws(InstanceError) -> String {
        guard !request.prompt.isEmpty, request.prompt.utf8.count <= Self.maxPromptLength else {
            throw InstanceError(index: 0, field: "prompt", reason: "must hold 1 to \(Self.maxPromptLength) characters")
        }
        guard (0...maxTokensLimit).contains(request.maxTokens) else {
            throw InstanceError(index: 0, field: "max_tokens", reason: "is \(request.maxTokens); expected 0 to \(maxTokensLimit)")
        }
        let ids: [Int]
        do { ids = try vocabulary.encode(request.prompt) } catch {
            throw InstanceError(index: 0, field: "prompt", reason: "\(error)")
        }
        let sampler: TextGenerator
        do { sampler = try TextGenerator(temperature: Float(request.temperature), topK: request.topK) } catch {
            throw InstanceError(index: 0, field: error.isTopK ? "top_k" : "temperature", reason: error.description)
        }
        let out: Result<[Int], TextGenerationError> = withoutGradients {
            do {
                return .success(try sampler.generate(model, prompt: ids, length: request.maxTokens,
                                                     generator: RandomGenerator(seed: request.seed, stream: .sampling)))
            } catch let error as TextGenerationError { return .failure(error) } catch { return .failure(.emptyPrompt) }
        }
        switch out {
        case .success(let tokens): return vocabulary.decode(tokens)
        case .failure(let error): throw InstanceError(index: 0, field: error.isTopK ? "top_k" : "prompt", reason: error.description)
        }
    }
}

private extension TextGenerationError {
    /// True when top-k is what is wrong.
    var isTopK: Bool {
        if case .invalidTopK = self { return true }
        return false
    }
}

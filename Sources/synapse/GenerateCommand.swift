import ArgumentParser
import Foundation
import Synapse

/// `synapse generate`: samples text from a language model saved by `synapse train`.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a character-level language model trained with `synapse train`.",
        discussion: """
        The weights file must carry the metadata `synapse train` writes for text corpora (model, context, \
        layer sizes and vocabulary); the model is rebuilt from it, so --model is not needed. The prompt is \
        printed, followed by the generated characters. Unlike `train` and `evaluate`, the output is the \
        text only, with no JSON line.
        """
    )

    @Option(help: "The safetensors file written by `synapse train --model char-lstm|gpt`.")
    var weights: String

    @Option(help: "Text the model continues (at least one character, all in the model's vocabulary).")
    var prompt: String = "The "

    @Option(parsing: .unconditional, help: "Number of characters to generate.")
    var length: Int = 500

    @Option(parsing: .unconditional, help: "Sampling temperature (> 0): below 1 is more conservative, above 1 more varied.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Sample only from the k most likely characters (1: greedy).")
    var topK: Int?

    @Option(parsing: .unconditional, help: "Random seed: the same seed gives the same text.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        guard length >= 0 else { throw ValidationError("--length must be at least 0, got \(length)") }
        guard !prompt.isEmpty else { throw ValidationError("--prompt must contain at least one character") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        do { _ = try TextGenerator(temperature: temperature, topK: topK) } catch {
            throw ValidationError("--temperature/--top-k: \(error)")
        }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let url = URL(fileURLWithPath: weights)
        let metadata: [String: String]
        do { metadata = try SafeTensors.load(from: url).metadata } catch {
            throw ValidationError("--weights \(weights): cannot read the weights: \(error)")
        }
        guard let name = metadata["model"], let kind = LanguageModelKind(rawValue: name) else {
            throw ValidationError("\(weights): metadata 'model' is \(metadata["model"].map { "'\($0)'" } ?? "missing"); "
                                  + "expected char-lstm or gpt (a file written by `synapse train` on a text corpus)")
        }
        guard let vocabularyText = metadata[CharacterVocabulary.metadataKey] else {
            throw ValidationError("\(weights): no '\(CharacterVocabulary.metadataKey)' metadata (a file written by `synapse train` on a text corpus)")
        }
        let vocabulary = try CharacterVocabulary(metadataValue: vocabularyText, file: weights)
        // Context and layer sizes are range-checked and the model's size bounded before anything is allocated.
        let architecture = try LanguageModelArchitecture.read(WeightsMetadata(metadata, path: weights), kind: kind,
                                                              vocabularySize: vocabulary.count)
        let model = try architecture.make(generator: RandomGenerator(seed: 0), source: weights)
        try model.load(from: url)
        model.eval()
        let generator = try TextGenerator(temperature: temperature, topK: topK)
        if let topK, topK > vocabulary.count {
            throw ValidationError("--top-k \(topK) exceeds the model's vocabulary of \(vocabulary.count) characters")
        }
        let ids = try generator.generate(model, prompt: try vocabulary.encode(prompt), length: length,
                                         generator: RandomGenerator(seed: seed, stream: .sampling))
        print(prompt + vocabulary.decode(ids))
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseTraining

/// The W4/W5 language models: PyTorch-compatible names and values, causality, incremental decoding.
struct LanguageModelTests {
    /// A fixture written by `Benchmarks/reference/lm_fixture.py`.
    static func fixture(_ name: String) throws -> SafeTensorsArchive {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/lm/\(name)", withExtension: "safetensors"))
        return try SafeTensors.load(from: url)
    }

    /// Loads the fixture's PyTorch weights into `model` and checks logits, loss and every parameter gradient.
    func expectMatchesPyTorch(_ model: some LanguageModel, fixture name: String) throws {
        let f = try Self.fixture(name)
        var state: [String: Tensor] = [:]
        for key in f.names where key.hasPrefix("model.") { state[String(key.dropFirst(6))] = try f.tensor(key) }
        #expect(Set(state.keys) == Set(model.stateDict().keys))
        try model.loadStateDict(state)
        let tokens = try f.intTensor("tokens"), targets = try f.intTensor("targets")
        let logits = model.logits(tokens)
        let expected = try f.tensor("logits")
        #expect(logits.shape == expected.shape)
        let worst = zip(logits.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "max |Δlogits| \(worst)")
        let loss = model.loss(tokens, targets)
        #expect(Swift.abs(loss.item() - (try f.tensor("loss").item())) < 1e-5)
        loss.backward()
        for (key, p) in model.namedParameters() {
            let g = try f.tensor("grad." + key).scalars
            let d = zip(try #require(p.grad).scalars, g).map { Swift.abs($0 - $1) }.max()!
            #expect(d < 1e-4, "\(key): max |Δgrad| \(d)")
        }
    }

    @Test func gptLoadsPyTorchWeightsAndMatchesLogitsAndGradients() throws {
        let model = GPTLanguageModel(vocabularySize: 11, contextLength: 8, dModel: 16, numLayers: 2, numHeads: 4, dimFeedforward: 32)
        try expectMatchesPyTorch(model, fixture: "tiny_gpt")
    }

    @Test func lstmLoadsPyTorchWeightsAndMatchesLogitsAndGradients() throws {
        let model = CharLSTMLanguageModel(vocabularySize: 11, embeddingDim: 6, hiddenSize: 10)
        try expectMatchesPyTorch(model, fixture: "tiny_lstm")
    }

    @Test func benchmarkSizesHaveTheSpecsParameterNamesAndCounts() {
        let gpt = GPTLanguageModel(vocabularySize: 193)
        let names = Set(gpt.stateDict().keys)
        for n in ["embedding.weight", "positions.weight", "blocks.3.qkv.weight", "blocks.0.norm1.bias", "blocks.2.fc2.weight", "norm.weight", "head.bias"] {
            #expect(names.contains(n), "missing \(n)")
        }
        #expect(gpt.stateDict()["blocks.0.qkv.weight"]?.shape == [384, 128])
        #expect(gpt.stateDict()["positions.weight"]?.shape == [128, 128])
        // sum(p.numel() for p in w5_gpt.GPT(193).parameters()) in PyTorch.
        #expect(gpt.parameterCount == 859_329)
        let lstm = CharLSTMLanguageModel(vocabularySize: 193)
        #expect(Set(lstm.stateDict().keys) == ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                                "lstm.bias_hh_l0", "head.weight", "head.bias"])
        #expect(lstm.stateDict()["lstm.weight_ih_l0"]?.shape == [1024, 64])
    }

    @Test func gptIsCausal() {
        let model = GPTLanguageModel(vocabularySize: 7, contextLength: 6, dModel: 8, numLayers: 1, numHeads: 2, dimFeedforward: 16,
                                     generator: RandomGenerator(seed: 3))
        let a = model.logits(IntTensor(shape: [1, 6], scalars: [1, 2, 3, 4, 5, 6]))
        let b = model.logits(IntTensor(shape: [1, 6], scalars: [1, 2, 3, 0, 0, 0]))
        let early = 3 * 7
        #expect(Array(a.scalars[..<early]) == Array(b.scalars[..<early]))
        #expect(Array(a.scalars[early...]) != Array(b.scalars[early...]))
    }

    @Test func lstmDecoderCarriesStateInsteadOfRerunningThePrefix() {
        let model = CharLSTMLanguageModel(vocabularySize: 9, embeddingDim: 4, hiddenSize: 6, generator: RandomGenerator(seed: 5))
        let tokens = [3, 1, 4, 1, 5, 8, 2]
        let full = withoutGradients { model.logits(IntTensor(shape: [1, tokens.count], scalars: tokens)) }
        let decoder = model.makeDecoder()
        var stepped = decoder.feed(Array(tokens[..<3]))
        for (i, t) in tokens.enumerated().dropFirst(3) {
            let row = Array(full.scalars[((i - 1) * 9)..<(i * 9)])
            #expect(zip(stepped, row).allSatisfy { Swift.abs($0 - $1) < 1e-5 }, "position \(i - 1)")
            stepped = decoder.feed([t])
        }
        #expect(zip(stepped, full.scalars.suffix(9)).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
    }

    @Test func gptDecoderCropsToItsContext() {
        let model = GPTLanguageModel(vocabularySize: 7, contextLength: 4, dModel: 8, numLayers: 1, numHeads: 2, dimFeedforward: 16,
                                     generator: RandomGenerator(seed: 4))
        let decoder = model.makeDecoder()
        _ = decoder.feed([1, 2, 3])
        let afterSix = decoder.feed([4, 5, 6])  // sees only the last 4 tokens: 3 4 5 6
        let direct = model.logits(IntTensor(shape: [1, 4], scalars: [3, 4, 5, 6])).scalars.suffix(7)
        #expect(zip(afterSix, direct).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
    }

    @Test func windowsAreDrawnAsThePyTorchReferenceDrawsThem() {
        // Benchmarks/reference/synapse_random.py reimplements the generator; these are its values.
        let a = RandomGenerator(seed: 0, stream: .dataOrder)
        #expect((0..<4).map { _ in a.nextInt(below: 1_000_003) } == [376_998, 912_794, 23421, 91672])
        let b = TextWindows.validationGenerator(seed: 7)
        #expect((0..<6).map { _ in b.nextInt(below: 97) } == [10, 87, 59, 64, 26, 78])
        let c = RandomGenerator(seed: 12345)
        #expect((0..<3).map { _ in c.nextInt(below: 8_567_541) } == [6_372_606, 1_114_170, 8_253_407])
        #expect(TextWindows.trainingGenerator(seed: 0).nextInt(below: 1_000_003) == 376_998)
    }

    @Test func vocabularyRoundTripsThroughMetadata() throws {
        let corpus = TextCorpus(bytes: Array("to be, or not to be".utf8))
        let vocabulary = CharacterVocabulary(corpus)
        let restored = try CharacterVocabulary(metadataValue: vocabulary.metadataValue, file: "w.safetensors")
        #expect(restored == vocabulary)
        #expect(restored.decode(try restored.encode("not be")) == "not be")
        #expect(throws: DataError.self) { try restored.encode("xyz") }
        #expect(throws: DataError.self) { try CharacterVocabulary(metadataValue: "32 300", file: "w.safetensors") }
        #expect(throws: DataError.self) { try CharacterVocabulary(metadataValue: "40 32", file: "w.safetensors") }
    }
}

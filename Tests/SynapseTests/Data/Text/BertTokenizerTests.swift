import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseModels

/// The WordPiece tokenizer against Hugging Face's `BertTokenizerFast` on all-MiniLM-L6-v2's
/// vocabulary: 3,031 texts (real lines and hard cases), pairs and truncations from
/// scripts/make-tokenizer-fixtures.py must match id for id.
@Suite("BertTokenizer")
struct BertTokenizerTests {
    struct Fixture: Decodable {
        struct Single: Decodable { let text: String; let ids: [Int32] }
        struct Pair: Decodable { let a: String; let b: String; let max_length: Int; let ids: [Int32]; let types: [Int32] }
        struct Truncated: Decodable { let text: String; let max_length: Int; let ids: [Int32] }
        let single: [Single]
        let pairs: [Pair]
        let truncated: [Truncated]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/tokenizer/minilm-wordpiece", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func minilm() throws -> BertTokenizer {
        try BertTokenizer(directory: PretrainedModelDirectory.resolve("minilm"))
    }

    @Test func idsMatchHuggingFaceOnRealText() throws {
        let tokenizer = try Self.minilm(), fixture = try Self.fixture()
        #expect(fixture.single.count > 3_000)
        var mismatches: [String] = []
        for case let (text, expected) in fixture.single.map({ ($0.text, $0.ids) }) where tokenizer.ids(of: text) != expected {
            mismatches.append("\(text.debugDescription.prefix(80)): \(tokenizer.tokenize(text).prefix(12)) vs \(expected.prefix(12).compactMap { tokenizer.token(for: $0) })")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts differ, e.g. \(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test func pairsAndTruncationMatchHuggingFace() throws {
        let tokenizer = try Self.minilm(), fixture = try Self.fixture()
        for p in fixture.pairs {
            let e = tokenizer.encode(p.a, pair: p.b, maxLength: p.max_length)
            #expect(e.inputIDs == p.ids, "pair (\(p.a.prefix(30)), \(p.b.prefix(30))) at \(p.max_length)")
            #expect(e.tokenTypeIDs == p.types)
            #expect(e.attentionMask == Array(repeating: 1, count: p.ids.count))
        }
        for t in fixture.truncated {
            #expect(tokenizer.encode(t.text, maxLength: t.max_length).inputIDs == t.ids, "\(t.text.prefix(40)) at \(t.max_length)")
        }
    }

    @Test func knownTokensAndBatchPadding() throws {
        let tokenizer = try Self.minilm()
        #expect(tokenizer.vocabularySize == 30_522)
        #expect((tokenizer.padID, tokenizer.unknownID, tokenizer.clsID, tokenizer.sepID) == (0, 100, 101, 102))
        #expect(tokenizer.tokenize("Hello, World! unaffable") == ["hello", ",", "world", "!", "una", "##ffa", "##ble"])
        let batch = tokenizer.encodeBatch(["Hello world.", "Hi"])
        #expect(batch.inputIDs.shape == [2, 5])
        #expect(batch.lengths == [5, 3])
        #expect(Array(batch.inputIDs.scalars[5...]) == [101, 7632, 102, 0, 0])
        #expect(Array(batch.attentionMask.scalars[5...]) == [1, 1, 1, 0, 0])
        #expect(batch.tokenTypeIDs.scalars.allSatisfy { $0 == 0 })
        let padded = tokenizer.encodeBatch(["Hi"], maxLength: 8, padding: .maxLength)
        #expect(padded.inputIDs.shape == [1, 8])
        // longest_first keeps the shorter segment whole while it fits half the budget.
        #expect(BertTokenizer.longestFirst(3, 20, budget: 10) == (3, 7))
        #expect(BertTokenizer.longestFirst(20, 3, budget: 10) == (7, 3))
        #expect(BertTokenizer.longestFirst(9, 8, budget: 7) == (4, 3))
    }

    @Test func badFilesThrowTypedErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TokenizerError.self) { try BertTokenizer(directory: dir) }  // neither vocab.txt nor tokenizer.json
        let vocab = dir.appendingPathComponent("vocab.txt")
        try Data([0xFF, 0xFE, 0x41]).write(to: vocab)
        #expect(throws: TokenizerError.self) { try BertTokenizer(vocabularyFile: vocab) }  // not UTF-8
        try Data("[PAD]\n[UNK]\nhello\n".utf8).write(to: vocab)
        #expect(throws: TokenizerError.self) { try BertTokenizer(vocabularyFile: vocab) }  // no [CLS]/[SEP]
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\n".utf8).write(to: vocab)
        let tiny = try BertTokenizer(vocabularyFile: vocab)
        #expect(tiny.tokenize("Hellos world") == ["hello", "##s", "[UNK]"])
        try Data("{\"do_lower_case\": \"yes\"}".utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        #expect(throws: TokenizerError.self) { try BertTokenizer(directory: dir) }
        try Data("{\"do_lower_case\": false, \"model_max_length\": 1e30}".utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        let cased = try BertTokenizer(directory: dir)
        #expect(cased.modelMaxLength == 512)
        #expect(cased.tokenize("Hello hello") == ["[UNK]", "hello"])
    }
}

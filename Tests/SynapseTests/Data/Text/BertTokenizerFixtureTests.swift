import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData

/// The tokenizer against Hugging Face's `BertTokenizerFast` on all-MiniLM-L6-v2's vocabulary:
/// 3,074 texts (3,000 real lines and 74 hard cases), 240 pairs, 244 truncations and 48 padded
/// batches from scripts/make-tokenizer-fixtures.py must match id for id.
@Suite("BertTokenizer matches Hugging Face")
struct BertTokenizerFixtureTests {
    struct Fixture: Decodable {
        struct Single: Decodable { let text: String; let ids: [Int32] }
        struct Pair: Decodable { let a: Int; let b: Int; let max_length: Int; let ids: [Int32]; let types: [Int32] }
        struct Truncated: Decodable { let text: Int; let max_length: Int; let ids: [Int32] }
        struct Batch: Decodable { let texts: [Int]; let max_length: Int; let padding: String; let ids: [[Int32]]; let lengths: [Int] }
        let hard_cases: Int
        let single: [Single]
        let slow_disagrees: [Int]
        let pairs: [Pair]
        let truncated: [Truncated]
        let batches: [Batch]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/tokenizer/minilm-wordpiece", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func idsMatchOnRealTextAndHardCases() throws {
        let tokenizer = try MiniLMTokenizer.load(), fixture = try Self.fixture()
        #expect(fixture.single.count > 3_000 && fixture.hard_cases > 50)
        // The slow Python tokenizer differs from the fast one on some hard cases; we follow the fast one.
        #expect(!fixture.slow_disagrees.isEmpty && fixture.slow_disagrees.allSatisfy { $0 < fixture.hard_cases })
        var mismatches: [String] = []
        for (i, s) in fixture.single.enumerated() where tokenizer.ids(of: s.text) != s.ids {
            mismatches.append("#\(i) \(s.text.debugDescription.prefix(80)): \(tokenizer.tokenize(s.text).prefix(12)) vs "
                + "\(s.ids.prefix(12).compactMap { tokenizer.token(for: $0) })")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts differ, e.g.\n\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test func pairsAndTruncationMatch() throws {
        let tokenizer = try MiniLMTokenizer.load(), fixture = try Self.fixture()
        let texts = fixture.single.map(\.text)
        for p in fixture.pairs {
            let e = tokenizer.encode(texts[p.a], pair: texts[p.b], maxLength: p.max_length)
            #expect(e.inputIDs == p.ids, "pair #\(p.a) + #\(p.b) at \(p.max_length)")
            #expect(e.tokenTypeIDs == p.types, "pair #\(p.a) + #\(p.b) at \(p.max_length)")
            #expect(e.attentionMask == Array(repeating: 1, count: p.ids.count))
        }
        for t in fixture.truncated {
            #expect(tokenizer.encode(texts[t.text], maxLength: t.max_length).inputIDs == t.ids, "#\(t.text) at \(t.max_length)")
        }
    }

    @Test func paddedBatchesMatch() throws {
        let tokenizer = try MiniLMTokenizer.load(), fixture = try Self.fixture()
        let texts = fixture.single.map(\.text)
        for b in fixture.batches {
            let padding: BertPadding = b.padding == "longest" ? .longest : .maxLength
            let batch = tokenizer.encodeBatch(b.texts.map { texts[$0] }, maxLength: b.max_length, padding: padding)
            let width = b.ids[0].count
            #expect(batch.inputIDs.shape == [b.ids.count, width], "batch \(b.texts) at \(b.max_length), \(b.padding)")
            #expect(batch.inputIDs.scalars == b.ids.flatMap { $0.map(Int.init) }, "batch \(b.texts) at \(b.max_length), \(b.padding)")
            #expect(batch.lengths == b.lengths)
            // Hugging Face's masks are ones then zeros and its segment ids zeros (checked by the script).
            #expect(batch.attentionMask.scalars == b.lengths.flatMap { Array(repeating: 1, count: $0) + Array(repeating: 0, count: width - $0) })
            #expect(batch.tokenTypeIDs.scalars.allSatisfy { $0 == 0 })
        }
    }
}

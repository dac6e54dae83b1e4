import Foundation
import Testing
@testable import SynapseData

/// Reading vocabularies and configurations: what Hugging Face writes loads; anything else is a
/// `TokenizerError` naming the file, never a crash.
@Suite("BertTokenizer loading")
struct BertTokenizerLoadingTests {
    /// A fresh temporary directory, removed after `body`.
    func withDirectory(_ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(dir)
    }

    /// The error `body` throws, for checking its case and message.
    func error(_ body: () throws(TokenizerError) -> BertTokenizer) -> TokenizerError? {
        do { _ = try body(); return nil } catch { return error }
    }

    static let tinyVocabulary = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\nworld\nHello\n"

    @Test func missingOrGarbledVocabulary() throws {
        try withDirectory { dir in
            let vocab = dir.appendingPathComponent("vocab.txt")
            let missing = error { () throws(TokenizerError) in try BertTokenizer(vocabularyFile: vocab) }
            #expect(missing == .unreadable(path: vocab.path, reason: "file not found"))
            #expect(missing?.description.contains("vocab.txt") == true)
            // Neither vocab.txt nor tokenizer.json.
            guard case .unreadable? = error({ () throws(TokenizerError) in try BertTokenizer(directory: dir) }) else {
                Issue.record("an empty directory should be unreadable"); return
            }
            try Data([0xFF, 0xFE, 0x41]).write(to: vocab)
            #expect(error { () throws(TokenizerError) in try BertTokenizer(vocabularyFile: vocab) } == .invalid(path: vocab.path, reason: "not UTF-8 text"))
            try Data().write(to: vocab)
            #expect(error { () throws(TokenizerError) in try BertTokenizer(vocabularyFile: vocab) } == .invalid(path: vocab.path, reason: "the vocabulary is empty"))
            try Data("[PAD]\n[UNK]\nhello\n".utf8).write(to: vocab)
            #expect(error { () throws(TokenizerError) in try BertTokenizer(vocabularyFile: vocab) }
                    == .invalid(path: vocab.path, reason: "the vocabulary has no [CLS] token"))
            // A directory is not a vocabulary file.
            #expect(error { () throws(TokenizerError) in try BertTokenizer(vocabularyFile: dir) } == .unreadable(path: dir.path, reason: "cannot read"))
        }
    }

    @Test func tinyVocabularies() throws {
        try withDirectory { dir in
            let vocab = dir.appendingPathComponent("vocab.txt")
            try Data(Self.tinyVocabulary.utf8).write(to: vocab)
            let tiny = try BertTokenizer(vocabularyFile: vocab)
            #expect(tiny.vocabularySize == 8)
            #expect(tiny.tokenize("Hellos world!") == ["hello", "##s", "world", "[UNK]"])
            let cased = try BertTokenizer(vocabularyFile: vocab, lowercase: false)
            #expect(cased.tokenize("Hello hello HELLO") == ["Hello", "hello", "[UNK]"])
            // CR LF line ends read as Python's text mode reads them.
            try Data(Self.tinyVocabulary.replacingOccurrences(of: "\n", with: "\r\n").utf8).write(to: vocab)
            #expect(try BertTokenizer(vocabularyFile: vocab).tokenize("Hellos") == ["hello", "##s"])
            // Tokens match byte for byte, not by canonical equivalence: "e\u{301}" is not "é".
            try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\ncaf\u{E9}\n".utf8).write(to: vocab)
            let accented = try BertTokenizer(vocabularyFile: vocab, lowercase: false)
            #expect(accented.tokenize("caf\u{E9} cafe\u{301}") == ["caf\u{E9}", "[UNK]"])
        }
    }

    @Test func configurationFile() throws {
        try withDirectory { dir in
            try Data(Self.tinyVocabulary.utf8).write(to: dir.appendingPathComponent("vocab.txt"))
            let config = dir.appendingPathComponent("tokenizer_config.json")
            #expect(try BertTokenizer(directory: dir).modelMaxLength == 512)  // no configuration: BERT's defaults
            for bad in ["{\"do_lower_case\": \"yes\"}", "[1, 2]", "{not json", "{\"model_max_length\": 2}", "{\"model_max_length\": \"512\"}"] {
                try Data(bad.utf8).write(to: config)
                let thrown = error { () throws(TokenizerError) in try BertTokenizer(directory: dir) }
                guard case .invalid(let path, _)? = thrown else { Issue.record("\(bad) should be invalid, got \(String(describing: thrown))"); continue }
                #expect(path == config.path)
            }
            try Data("{\"do_lower_case\": false, \"model_max_length\": 1000000000000000019884624838656}".utf8).write(to: config)
            let cased = try BertTokenizer(directory: dir)
            #expect(cased.modelMaxLength == 512)
            #expect(cased.tokenize("Hello hello") == ["Hello", "hello"])
            try Data("{\"do_lower_case\": true, \"strip_accents\": false, \"model_max_length\": 128, \"tokenize_chinese_chars\": null}".utf8)
                .write(to: config)
            let configured = try BertTokenizer(directory: dir)
            #expect(configured.modelMaxLength == 128)
            #expect(configured.words("H\u{E9}llo 東京") == ["h\u{E9}llo", "東", "京"])
        }
    }

    @Test func tokenizerJSONWhenVocabTxtIsMissing() throws {
        try withDirectory { dir in
            let json = dir.appendingPathComponent("tokenizer.json")
            let vocab = ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "##s": 5]
            let root: [String: Any] = ["model": ["type": "WordPiece", "vocab": vocab]]
            try JSONSerialization.data(withJSONObject: root).write(to: json)
            let tokenizer = try BertTokenizer(directory: dir)
            #expect(tokenizer.vocabularySize == 6 && tokenizer.ids(of: "hellos") == [4, 5])
            try JSONSerialization.data(withJSONObject: ["model": ["type": "BPE", "vocab": vocab]]).write(to: json)
            #expect(error { () throws(TokenizerError) in try BertTokenizer(directory: dir) }
                    == .invalid(path: json.path, reason: "model type BPE (only WordPiece is supported)"))
            try JSONSerialization.data(withJSONObject: ["model": ["type": "WordPiece", "vocab": ["a": 0, "b": 0]]]).write(to: json)
            guard case .invalid? = error({ () throws(TokenizerError) in try BertTokenizer(directory: dir) }) else {
                Issue.record("repeated ids should be invalid"); return
            }
        }
    }
}

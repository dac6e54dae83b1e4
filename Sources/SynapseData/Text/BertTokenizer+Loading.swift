import Foundation

extension BertTokenizer {
    /// Reads a Hugging Face model directory: `tokenizer_config.json` (`do_lower_case`,
    /// `strip_accents`, `tokenize_chinese_chars`, `model_max_length`; all optional) and `vocab.txt`,
    /// or the WordPiece vocabulary of `tokenizer.json` when there is no `vocab.txt`.
    /// - Throws: `TokenizerError` naming the file at fault.
    public init(directory: URL) throws(TokenizerError) {
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        var config: [String: Any] = [:]
        if FileManager.default.fileExists(atPath: configURL.path) {
            guard let data = try? Data(contentsOf: configURL) else { throw .unreadable(path: configURL.path, reason: "cannot read") }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw .invalid(path: configURL.path, reason: "not a JSON object")
            }
            config = object
        }
        func flag(_ key: String) throws(TokenizerError) -> Bool? {
            guard let value = config[key], !(value is NSNull) else { return nil }
            guard let bool = value as? Bool else { throw .invalid(path: configURL.path, reason: "\(key) must be true, false or null") }
            return bool
        }
        let lowercase = try flag("do_lower_case") ?? true
        let stripAccents = try flag("strip_accents")
        let chinese = try flag("tokenize_chinese_chars") ?? true
        var maxLength = 512
        if let value = config["model_max_length"], !(value is NSNull) {
            guard let number = value as? NSNumber, number.doubleValue >= 3 else {
                throw .invalid(path: configURL.path, reason: "model_max_length must be a number of at least 3")
            }
            // Hugging Face writes a huge sentinel (1e30) for "no limit": keep 512, the BERT position table.
            maxLength = number.doubleValue < 1_000_000 ? Int(number.doubleValue) : 512
        }
        let vocabURL = directory.appendingPathComponent("vocab.txt")
        let vocabulary: [String]
        if FileManager.default.fileExists(atPath: vocabURL.path) {
            vocabulary = try Self.readVocabulary(vocabURL)
        } else {
            vocabulary = try Self.readTokenizerJSONVocabulary(directory.appendingPathComponent("tokenizer.json"))
        }
        try self.init(vocabulary: vocabulary, lowercase: lowercase, stripAccents: stripAccents, tokenizeChineseCharacters: chinese,
                      modelMaxLength: maxLength, source: directory.path)
    }

    /// The lines of `vocab.txt` (a final newline ends the last token; a line may end in CR LF, which
    /// Python's text mode reads as a plain newline). Split on bytes: as `Character`s, CR LF is one
    /// grapheme that is not "\n".
    static func readVocabulary(_ url: URL) throws(TokenizerError) -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(path: url.path, reason: FileManager.default.fileExists(atPath: url.path) ? "cannot read" : "file not found")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .invalid(path: url.path, reason: "not UTF-8 text") }
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw .invalid(path: url.path, reason: "the vocabulary is empty") }
        return lines
    }

    /// The `model.vocab` map of a WordPiece `tokenizer.json`, as a list in id order.
    static func readTokenizerJSONVocabulary(_ url: URL) throws(TokenizerError) -> [String] {
        guard let data = try? Data(contentsOf: url) else {
            throw .unreadable(path: url.path, reason: "no vocab.txt beside it and tokenizer.json cannot be read")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Any] else {
            throw .invalid(path: url.path, reason: "no model.vocab object")
        }
        if let type = model["type"] as? String, type != "WordPiece" {
            throw .invalid(path: url.path, reason: "model type \(type) (only WordPiece is supported)")
        }
        var tokens = [String?](repeating: nil, count: vocab.count)
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, tokens.indices.contains(id), tokens[id] == nil else {
                throw .invalid(path: url.path, reason: "token '\(token)' has an id outside 0..<\(vocab.count) or a repeated id")
            }
            tokens[id] = token
        }
        return tokens.map { $0! }
    }
}

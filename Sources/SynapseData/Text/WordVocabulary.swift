import Foundation
import SynapseCore

/// A word-level (or, with `WordTokenizer(unit: .character)`, character-level) vocabulary: token
/// strings and their ids, built from training text with a frequency cutoff and a size limit, with an
/// unknown token for everything else.
///
/// Ids are stable: `<unk>` is 0, then the special tokens in the order given, then the words by
/// descending frequency, ties broken by string order, so the same text always gives the same ids.
/// It complements `TextCorpus`, which works on bytes.
public struct WordVocabulary: Codable, Sendable, Equatable {
    /// The token that stands for every word outside the vocabulary.
    public static let unknownToken = "<unk>"

    /// Token of each id.
    public let tokens: [String]
    /// How text is split into tokens.
    public let tokenizer: WordTokenizer
    private var idOfToken: [String: Int]

    private enum CodingKeys: String, CodingKey { case tokens, tokenizer }

    /// Builds the vocabulary of `texts`.
    ///
    /// - Parameters:
    ///   - minFrequency: words seen fewer times are left out (they become `<unk>`).
    ///   - maxSize: at most this many entries in all, `<unk>` and the specials included; the most
    ///     frequent words are kept.
    ///   - specialTokens: extra reserved tokens (e.g. `<pad>`, `<bos>`), given ids after `<unk>`.
    public init(texts: some Sequence<String>, minFrequency: Int = 1, maxSize: Int? = nil, specialTokens: [String] = [],
                tokenizer: WordTokenizer = WordTokenizer()) {
        var counts: [String: Int] = [:]
        for text in texts {
            for token in tokenizer.tokens(text) { counts[token, default: 0] += 1 }
        }
        var reserved = [Self.unknownToken]
        for token in specialTokens where !reserved.contains(token) { reserved.append(token) }
        let words = counts.filter { $0.value >= minFrequency && !reserved.contains($0.key) }
            .sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
        let room = maxSize.map { Swift.max(0, $0 - reserved.count) } ?? words.count
        self.init(uncheckedTokens: reserved + words.prefix(room), tokenizer: tokenizer)
    }

    /// A vocabulary with exactly these tokens (ids in order); the first must be `<unk>`.
    /// - Throws: `DataError.invalidContents` when `<unk>` is not first or a token repeats.
    public init(tokens: [String], tokenizer: WordTokenizer = WordTokenizer()) throws(DataError) {
        guard tokens.first == Self.unknownToken else {
            throw .invalidContents(path: "<vocabulary>", reason: "the first token must be \(Self.unknownToken), found \(tokens.first ?? "none")")
        }
        guard Set(tokens).count == tokens.count else {
            throw .invalidContents(path: "<vocabulary>", reason: "tokens repeat")
        }
        self.init(uncheckedTokens: tokens, tokenizer: tokenizer)
    }

    private init(uncheckedTokens tokens: [String], tokenizer: WordTokenizer) {
        self.tokens = tokens
        self.tokenizer = tokenizer
        var ids: [String: Int] = [:]
        for (i, token) in tokens.enumerated() { ids[token] = i }
        self.idOfToken = ids
    }

    /// Decodes a saved vocabulary, checking it as `init(tokens:)` does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let tokens = try container.decode([String].self, forKey: .tokens)
        let tokenizer = try container.decode(WordTokenizer.self, forKey: .tokenizer)
        try self.init(tokens: tokens, tokenizer: tokenizer)
    }

    /// Encodes the tokens and tokenizer settings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(tokenizer, forKey: .tokenizer)
    }

    /// Number of tokens, `<unk>` included.
    public var count: Int { tokens.count }

    /// The id of `<unk>` (always 0).
    public var unknownID: Int { 0 }

    /// The id of `token`, or `unknownID` when it is not in the vocabulary.
    public func id(of token: String) -> Int { idOfToken[token] ?? unknownID }

    /// Whether `token` has an id of its own.
    public func contains(_ token: String) -> Bool { idOfToken[token] != nil }

    /// The ids of `text`'s tokens.
    public func encode(_ text: String) -> [Int] { tokenizer.tokens(text).map(id(of:)) }

    /// The tokens of `ids` joined by spaces (word level; the original spacing and case are not
    /// restored) or concatenated (character level).
    /// - Precondition: every id is in `0..<count`.
    public func decode(_ ids: [Int]) -> String {
        ids.map { id -> String in
            require(id >= 0 && id < count, "WordVocabulary.decode: id \(id) out of range 0..<\(count)")
            return tokens[id]
        }.joined(separator: tokenizer.unit == .word ? " " : "")
    }

    /// The fraction of `text`'s tokens that map to `<unk>` (how well the vocabulary covers it).
    public func unknownRate(_ text: String) -> Double {
        let tokens = tokenizer.tokens(text)
        guard !tokens.isEmpty else { return 0 }
        return Double(tokens.filter { !contains($0) }.count) / Double(tokens.count)
    }

    /// Writes the vocabulary as JSON (atomically).
    public func save(to url: URL) throws(DataError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else {
            throw .writeFailed(path: url.path, reason: "cannot encode the vocabulary")
        }
        try FileBytes.write([UInt8](data), to: url)
    }

    /// Reads a vocabulary written by `save(to:)`.
    public static func load(from url: URL) throws(DataError) -> WordVocabulary {
        let bytes = try FileBytes.read(url)
        do { return try JSONDecoder().decode(WordVocabulary.self, from: Data(bytes)) } catch {
            throw .invalidContents(path: url.path, reason: "not a saved word vocabulary: \(error)")
        }
    }
}

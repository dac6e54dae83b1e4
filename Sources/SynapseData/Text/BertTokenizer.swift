import Foundation

/// BERT's WordPiece tokenizer, matching Hugging Face's `BertTokenizerFast` (the `tokenizers`
/// library, which sentence-transformers runs) id for id: BERT normalisation (cleaning, CJK
/// splitting, accent stripping, lower-casing), whitespace and punctuation splitting, greedy
/// WordPiece, `[CLS]`/`[SEP]` templates with token types, right truncation (`longest_first` for
/// pairs) and padding with attention masks.
///
/// Where the slow Python `BertTokenizer` differs from the fast one it follows the fast one: context-free
/// lower-casing (Σ → σ at a word's end too), accents stripped before lower-casing, and `tokenizers`'
/// Unicode 8/9 character classes (see `BertUnicode`).
///
/// ```
/// let tokenizer = try BertTokenizer(directory: PretrainedModelDirectory.resolve("minilm"))
/// tokenizer.tokenize("Unaffable!")   // ["una", "##ffa", "##ble", "!"]
/// let batch = tokenizer.encodeBatch(["Hello world.", "Hi"])   // [2, 5] ids, types, mask
/// ```
public struct BertTokenizer: Sendable {
    let normalization: BertNormalization
    let wordPiece: WordPiece
    let tokens: [String]
    /// The id of `[PAD]`.
    public let padID: Int32
    /// The id of `[CLS]`.
    public let clsID: Int32
    /// The id of `[SEP]`.
    public let sepID: Int32
    /// The id of `[UNK]`.
    public let unknownID: Int32
    /// The longest encoding (specials included) unless a call asks for less: the configuration's
    /// `model_max_length`, 512 by default.
    public let modelMaxLength: Int

    /// A tokenizer over `vocabulary` (token per id, in id order).
    /// - Throws: `TokenizerError.invalid` naming `source` when the vocabulary is empty or lacks a
    ///   special token, or `modelMaxLength` leaves no room for one.
    public init(vocabulary: [String], lowercase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseCharacters: Bool = true,
                modelMaxLength: Int = 512, source: String = "<vocabulary>") throws(TokenizerError) {
        guard !vocabulary.isEmpty else { throw .invalid(path: source, reason: "the vocabulary is empty") }
        guard vocabulary.count < Int(Int32.max) else { throw .invalid(path: source, reason: "the vocabulary is too large") }
        var ids: [TokenKey: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, token) in vocabulary.enumerated() {
            // Hugging Face keeps the last id of a repeated token; so do we (real vocabularies have none).
            ids[TokenKey(text: token)] = Int32(i)
        }
        func special(_ name: String) throws(TokenizerError) -> Int32 {
            guard let id = ids[TokenKey(text: name)] else { throw .invalid(path: source, reason: "the vocabulary has no \(name) token") }
            return id
        }
        padID = try special("[PAD]")
        clsID = try special("[CLS]")
        sepID = try special("[SEP]")
        unknownID = try special("[UNK]")
        guard modelMaxLength >= 3 else { throw .invalid(path: source, reason: "model_max_length \(modelMaxLength) is below 3") }
        self.modelMaxLength = modelMaxLength
        tokens = vocabulary
        normalization = BertNormalization(lowercase: lowercase, stripAccents: stripAccents ?? lowercase,
                                          tokenizeChineseCharacters: tokenizeChineseCharacters)
        wordPiece = WordPiece(vocabulary: ids, unknownID: unknownID, maxCharactersPerWord: 100)
    }

    /// Reads `vocab.txt` (one token per line; the id is the line number).
    /// - Throws: `TokenizerError` for a missing, non-UTF-8 or incomplete vocabulary.
    public init(vocabularyFile: URL, lowercase: Bool = true, stripAccents: Bool? = nil,
                tokenizeChineseCharacters: Bool = true, modelMaxLength: Int = 512) throws(TokenizerError) {
        try self.init(vocabulary: Self.readVocabulary(vocabularyFile), lowercase: lowercase, stripAccents: stripAccents,
                      tokenizeChineseCharacters: tokenizeChineseCharacters, modelMaxLength: modelMaxLength,
                      source: vocabularyFile.path)
    }

    /// Number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The token of `id`, or nil outside the vocabulary.
    public func token(for id: Int32) -> String? { tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil }

    /// The id of `token`, or nil when the vocabulary lacks it.
    public func id(for token: String) -> Int32? { wordPiece.initial[TokenKey(text: token)] }

    /// The WordPiece ids of `text`, without specials.
    public func ids(of text: String) -> [Int32] {
        var words = BertWords()
        return ids(of: text, using: &words)
    }

    /// The WordPiece ids of `text`, normalising into `words` (a buffer reused across texts).
    func ids(of text: String, using words: inout BertWords) -> [Int32] {
        words.removeAll()
        normalization.split(text, into: &words)
        var ids: [Int32] = []
        ids.reserveCapacity(words.ends.count + words.ends.count / 2)
        wordPiece.appendIDs(of: words, to: &ids)
        return ids
    }

    /// The WordPiece tokens of `text`, without specials.
    public func tokenize(_ text: String) -> [String] { ids(of: text).map { tokens[Int($0)] } }

    /// The normalised, split words of `text` before WordPiece (what Hugging Face's normaliser and
    /// pre-tokenizer produce).
    public func words(_ text: String) -> [String] { normalization.words(text) }
}

import Foundation
import SynapseCore

/// How `BertTokenizer.encodeBatch` pads.
public enum BertPadding: Sendable {
    /// To the longest sequence of the batch (sentence-transformers' `padding=True`).
    case longest
    /// To the maximum length.
    case maxLength
}

/// One encoded text (or text pair), specials included.
public struct BertEncoding: Sendable, Equatable {
    /// Token ids: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`.
    public var inputIDs: [Int32]
    /// 0 for the first segment (with its [CLS] and [SEP]), 1 for the second.
    public var tokenTypeIDs: [Int32]
    /// 1 for every token (padding, added by batches, gets 0).
    public var attentionMask: [Int32]
}

/// A padded batch of encodings, as the model reads it.
public struct BertBatch: Sendable {
    /// Token ids [batch, length] (padding: the pad id).
    public var inputIDs: IntTensor
    /// Segment ids [batch, length] (padding: 0).
    public var tokenTypeIDs: IntTensor
    /// 1 for tokens, 0 for padding [batch, length].
    public var attentionMask: IntTensor
    /// Tokens per row before padding.
    public var lengths: [Int]
}

/// BERT's WordPiece tokenizer, matching Hugging Face's `BertTokenizerFast` (the `tokenizers`
/// library) id for id: BERT normalisation (cleaning, CJK splitting, accent stripping,
/// lower-casing), whitespace and punctuation splitting, greedy WordPiece, `[CLS]`/`[SEP]` templates
/// with token types, right truncation (`longest_first` for pairs) and padding with attention masks.
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
    /// - Throws: `TokenizerError.invalid` when a special token is missing or a token repeats.
    public init(vocabulary: [String], lowercase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseCharacters: Bool = true,
                modelMaxLength: Int = 512, source: String = "<vocabulary>") throws(TokenizerError) {
        guard !vocabulary.isEmpty else { throw .invalid(path: source, reason: "the vocabulary is empty") }
        guard vocabulary.count < Int(Int32.max) else { throw .invalid(path: source, reason: "the vocabulary is too large") }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, token) in vocabulary.enumerated() {
            // Hugging Face keeps the last id of a repeated token; so do we (real vocabularies have none).
            ids[token] = Int32(i)
        }
        func special(_ name: String) throws(TokenizerError) -> Int32 {
            guard let id = ids[name] else { throw .invalid(path: source, reason: "the vocabulary has no \(name) token") }
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

    /// The WordPiece ids of `text`, without specials.
    public func ids(of text: String) -> [Int32] {
        var ids: [Int32] = []
        for word in normalization.words(text) { wordPiece.appendIDs(of: word, to: &ids) }
        return ids
    }

    /// The WordPiece tokens of `text`, without specials.
    public func tokenize(_ text: String) -> [String] { ids(of: text).map { tokens[Int($0)] } }

    /// `[CLS] text [SEP]` (or `[CLS] text [SEP] pair [SEP]`), truncated on the right so the whole
    /// encoding fits `maxLength` (default `modelMaxLength`); pairs lose tokens from the longer text
    /// first (Hugging Face's `longest_first`).
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil) -> BertEncoding {
        let limit = maxLength ?? modelMaxLength
        require(limit >= (pair == nil ? 2 : 3), "BertTokenizer.encode: maxLength \(limit) leaves no room for the special tokens")
        var first = ids(of: text)
        guard let pair else {
            if first.count > limit - 2 { first.removeSubrange((limit - 2)...) }
            let ids = [clsID] + first + [sepID]
            return BertEncoding(inputIDs: ids, tokenTypeIDs: Array(repeating: 0, count: ids.count),
                                attentionMask: Array(repeating: 1, count: ids.count))
        }
        var second = ids(of: pair)
        let (n1, n2) = Self.longestFirst(first.count, second.count, budget: limit - 3)
        first.removeSubrange(n1...)
        second.removeSubrange(n2...)
        let ids = [clsID] + first + [sepID] + second + [sepID]
        return BertEncoding(inputIDs: ids,
                            tokenTypeIDs: Array(repeating: 0, count: first.count + 2) + Array(repeating: 1, count: second.count + 1),
                            attentionMask: Array(repeating: 1, count: ids.count))
    }

    /// The lengths two segments keep under `longest_first` truncation to `budget` tokens, as
    /// `tokenizers` computes them: the shorter keeps all it can, and when both must shrink they
    /// split the budget evenly (the longer one gets the odd token).
    static func longestFirst(_ a: Int, _ b: Int, budget: Int) -> (Int, Int) {
        guard a + b > budget else { return (a, b) }
        var (n1, n2) = a > b ? (b, a) : (a, b)
        n2 = n1 > budget ? n1 : Swift.max(n1, budget - n1)
        if n1 + n2 > budget { n1 = budget / 2; n2 = n1 + budget % 2 }
        return a > b ? (n2, n1) : (n1, n2)
    }

    /// Encodes `texts` and pads them into one batch (`.longest`: to the longest; `.maxLength`: to
    /// `maxLength`, default `modelMaxLength`).
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil, padding: BertPadding = .longest) -> BertBatch {
        let encodings = texts.map { encode($0, maxLength: maxLength) }
        return Self.pad(encodings, padID: padID, to: padding == .maxLength ? (maxLength ?? modelMaxLength) : nil)
    }

    /// Pads `encodings` with `padID` (types 0, mask 0) to `length`, or to the longest when nil.
    public static func pad(_ encodings: [BertEncoding], padID: Int32, to length: Int? = nil) -> BertBatch {
        let longest = encodings.map(\.inputIDs.count).max() ?? 0
        let width = Swift.max(length ?? longest, longest)
        var ids: [Int] = [], types: [Int] = [], mask: [Int] = []
        ids.reserveCapacity(encodings.count * width)
        types.reserveCapacity(encodings.count * width)
        mask.reserveCapacity(encodings.count * width)
        for e in encodings {
            let padding = width - e.inputIDs.count
            ids += e.inputIDs.map(Int.init) + Array(repeating: Int(padID), count: padding)
            types += e.tokenTypeIDs.map(Int.init) + Array(repeating: 0, count: padding)
            mask += e.attentionMask.map(Int.init) + Array(repeating: 0, count: padding)
        }
        let shape = [encodings.count, width]
        return BertBatch(inputIDs: IntTensor(shape: shape, scalars: ids), tokenTypeIDs: IntTensor(shape: shape, scalars: types),
                         attentionMask: IntTensor(shape: shape, scalars: mask), lengths: encodings.map(\.inputIDs.count))
    }
}

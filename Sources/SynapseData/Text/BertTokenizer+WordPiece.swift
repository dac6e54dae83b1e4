/// A vocabulary key that compares and hashes by UTF-8 bytes, as Hugging Face does: `String`'s own
/// `==` and hashing follow canonical equivalence ("e\u{301}" == "é") and would match tokens that
/// `tokenizers` does not.
struct TokenKey: Hashable, Sendable {
    /// The token.
    let text: String

    static func == (a: TokenKey, b: TokenKey) -> Bool {
        a.text.utf8.count == b.text.utf8.count && a.text.utf8.elementsEqual(b.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        if text.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}

/// Greedy longest-match-first WordPiece (BERT's subword model): a word becomes the longest
/// vocabulary prefix, then the longest `##`-prefixed continuation, and so on; a word with a part
/// that matches nothing, or longer than `maxCharactersPerWord` scalars, becomes the unknown token.
///
/// Candidates are looked up as UTF-8 slices turned into `String`s, which for up to 15 bytes live
/// inline (no allocation); candidates longer than the vocabulary's longest token are never tried.
/// Token tests work on UTF-8, not `Character`s: "##\u{93F}" is one `#` then the grapheme "#\u{93F}".
struct WordPiece: Sendable {
    /// Token → id, for a word's first piece.
    let initial: [TokenKey: Int32]
    /// Token without its `##` → id, for the pieces after the first.
    let continuation: [TokenKey: Int32]
    /// The longest token of `initial` / `continuation`, in UTF-8 bytes.
    let longestInitial: Int, longestContinuation: Int
    /// The id of `[UNK]`.
    let unknownID: Int32
    /// Longer words become `[UNK]` whole (Hugging Face: 100 characters).
    let maxCharactersPerWord: Int

    /// A model over `vocabulary` (token → id).
    init(vocabulary: [TokenKey: Int32], unknownID: Int32, maxCharactersPerWord: Int = 100) {
        initial = vocabulary
        var continuation: [TokenKey: Int32] = [:]
        for (token, id) in vocabulary where token.text.utf8.count > 2 && token.text.utf8.starts(with: "##".utf8) {
            continuation[TokenKey(text: String(decoding: token.text.utf8.dropFirst(2), as: UTF8.self))] = id
        }
        self.continuation = continuation
        longestInitial = vocabulary.keys.map(\.text.utf8.count).max() ?? 0
        longestContinuation = continuation.keys.map(\.text.utf8.count).max() ?? 0
        self.unknownID = unknownID
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// Appends the ids of every word of `words` to `ids`.
    func appendIDs(of words: BertWords, to ids: inout [Int32]) {
        words.bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            for (end, scalars) in zip(words.ends, words.scalarCounts) {
                appendIDs(of: UnsafeBufferPointer(rebasing: bytes[start..<end]), scalars: scalars, to: &ids)
                start = end
            }
        }
    }

    /// Appends the ids of one word (`scalars` scalars of UTF-8 `word`) to `ids`.
    func appendIDs(of word: UnsafeBufferPointer<UInt8>, scalars: Int, to ids: inout [Int32]) {
        guard scalars <= maxCharactersPerWord else { ids.append(unknownID); return }
        let mark = ids.count
        var start = 0
        while start < word.count {
            let table = start == 0 ? initial : continuation
            var end = Swift.min(word.count, start + (start == 0 ? longestInitial : longestContinuation))
            var found: Int32?
            while end > start {
                // Pieces end on scalar boundaries: never before a UTF-8 continuation byte.
                if end == word.count || word[end] & 0xC0 != 0x80,
                   let id = table[TokenKey(text: String(decoding: UnsafeBufferPointer(rebasing: word[start..<end]), as: UTF8.self))] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(mark...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

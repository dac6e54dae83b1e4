/// Greedy longest-match-first WordPiece (BERT's subword model): a word becomes the longest
/// vocabulary prefix, then the longest `##`-prefixed continuation, and so on; a word with a part
/// that matches nothing, or longer than `maxCharactersPerWord` scalars, becomes the unknown token.
struct WordPiece: Sendable {
    /// Token → id.
    let vocabulary: [String: Int32]
    /// The id of `[UNK]`.
    let unknownID: Int32
    /// Longer words become `[UNK]` whole (Hugging Face: 100).
    let maxCharactersPerWord: Int
    /// The continuation prefix.
    let continuation = "##"

    /// Appends the ids of `word` to `ids`.
    func appendIDs(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= maxCharactersPerWord else { ids.append(unknownID); return }
        let mark = ids.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while end > start {
                var piece = start > 0 ? continuation : ""
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[piece] { found = id; break }
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

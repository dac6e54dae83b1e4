/// Splits text into word tokens: runs of letters and digits (with inner apostrophes, as in
/// "don't"), and each other non-space character as a token of its own. Optionally lowercases.
public struct WordTokenizer: Codable, Sendable, Equatable {
    /// Whether tokens are lowercased (so "The" and "the" share an id).
    public var lowercase: Bool

    /// A tokenizer; lowercasing is on by default.
    public init(lowercase: Bool = true) {
        self.lowercase = lowercase
    }

    /// The tokens of `text`, in order.
    public func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        func flush() {
            if word.last == "'" { word.removeLast() }
            if !word.isEmpty { tokens.append(word) }
            word = ""
        }
        for character in lowercase ? text.lowercased() : text {
            if character.isLetter || character.isNumber {
                word.append(character)
            } else if character == "'" && !word.isEmpty && word.last != "'" {
                word.append(character)
            } else {
                let trailingApostrophe = word.last == "'"
                flush()
                if trailingApostrophe { tokens.append("'") }
                if !character.isWhitespace { tokens.append(String(character)) }
            }
        }
        let trailingApostrophe = word.last == "'"
        flush()
        if trailingApostrophe { tokens.append("'") }
        return tokens
    }
}

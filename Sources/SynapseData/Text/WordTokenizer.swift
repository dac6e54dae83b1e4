import SynapseCore

/// Splits text into tokens for a `WordVocabulary`. At the word level (the default) a token is a
/// run of letters and digits (with inner apostrophes, as in "don't") or any other non-space
/// character on its own; at the character level every character (spaces included) is a token.
/// Optionally lowercases.
public struct WordTokenizer: Codable, Sendable, Equatable {
    /// What one token is.
    public enum Unit: String, Codable, Sendable {
        /// Words and punctuation marks; whitespace separates and is dropped.
        case word
        /// Single characters (extended grapheme clusters), whitespace included.
        case character
    }

    /// Whether tokens are lowercased (so "The" and "the" share an id).
    public var lowercase: Bool
    /// What one token is.
    public var unit: Unit

    /// A tokenizer; word level with lowercasing by default.
    public init(lowercase: Bool = true, unit: Unit = .word) {
        self.lowercase = lowercase
        self.unit = unit
    }

    /// The tokens of `text`, in order.
    public func tokens(_ text: String) -> [String] {
        if unit == .character { return (lowercase ? text.lowercased() : text).map(String.init) }
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

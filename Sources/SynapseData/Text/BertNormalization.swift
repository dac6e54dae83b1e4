import Foundation

/// The text normalisation and pre-tokenisation of BERT (Hugging Face `tokenizers`' `BertNormalizer`
/// and `BertPreTokenizer`, which `transformers.BertTokenizerFast` and sentence-transformers use), on
/// Unicode scalars as Rust's `char`:
///
/// 1. clean: drop U+0000, U+FFFD and "other" characters (categories Cc, Cf, Cs, Co, Cn, except tab,
///    newline and carriage return); every whitespace character becomes a space;
/// 2. put spaces around CJK ideographs;
/// 3. strip accents (NFD, then drop non-spacing marks, Mn) — by default exactly when lower-casing;
/// 4. lower-case, scalar by scalar (full Unicode mappings, no context: Σ → σ everywhere);
/// 5. split on whitespace and isolate every punctuation character (ASCII punctuation, which
///    includes symbols such as `$`, `^` and `` ` ``, or Unicode category P*).
struct BertNormalization: Sendable, Equatable {
    var lowercase: Bool
    var stripAccents: Bool
    var tokenizeChineseCharacters: Bool

    /// The words (lists of scalars) of `text`, normalised and split.
    func words(_ text: String) -> [[Unicode.Scalar]] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0 || v == 0xFFFD || Self.isOther(scalar) { continue }
            if Self.isWhitespace(scalar) { cleaned.append(" "); continue }
            if tokenizeChineseCharacters && Self.isCJK(v) {
                cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
                continue
            }
            cleaned.append(scalar)
        }
        var scalars = Array(cleaned)
        // ASCII needs neither decomposition nor a mapping table.
        let ascii = scalars.allSatisfy { $0.isASCII }
        if stripAccents && !ascii {
            let decomposed = String(String.UnicodeScalarView(scalars)).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for s in scalars {
                if s.isASCII {
                    lowered.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
                } else {
                    lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                }
            }
            scalars = lowered
        }
        var words: [[Unicode.Scalar]] = []
        var word: [Unicode.Scalar] = []
        for s in scalars {
            if s.properties.isWhitespace {
                if !word.isEmpty { words.append(word); word = [] }
            } else if Self.isPunctuation(s) {
                if !word.isEmpty { words.append(word); word = [] }
                words.append([s])
            } else {
                word.append(s)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// Tab, newline, carriage return, or Unicode White_Space (Rust's `char::is_whitespace`).
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    /// General category C* (Rust `tokenizers`' `is_other`), except tab, newline and carriage return.
    static func isOther(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        if s.isASCII { return s.value < 32 || s.value == 127 }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// ASCII punctuation (33–47, 58–64, 91–96, 123–126) or a Unicode punctuation category.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 { return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks BERT isolates (not Hiragana, Katakana or Hangul).
    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

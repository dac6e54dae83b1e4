/// The words of a text, normalised, as UTF-8 back to back (reused between texts to avoid
/// allocating per word).
struct BertWords {
    /// UTF-8 of every word, concatenated.
    var bytes: [UInt8] = []
    /// Where each word ends in `bytes` (it starts where the previous one ends).
    var ends: [Int] = []
    /// The number of scalars of each word (WordPiece's length limit counts characters, not bytes).
    var scalarCounts: [Int] = []
    /// Scalars in the word being built.
    private var pendingScalars = 0

    /// Empties the buffer, keeping its capacity.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        scalarCounts.removeAll(keepingCapacity: true)
        pendingScalars = 0
    }

    /// Appends `s` to the word being built.
    @inline(__always)
    mutating func append(_ s: Unicode.Scalar) {
        let v = s.value
        if v < 0x80 {
            bytes.append(UInt8(v))
        } else {
            for unit in UTF8.encode(s)! { bytes.append(unit) }
        }
        pendingScalars += 1
    }

    /// Ends the word being built, if it has anything.
    @inline(__always)
    mutating func endWord() {
        guard pendingScalars > 0 else { return }
        ends.append(bytes.count)
        scalarCounts.append(pendingScalars)
        pendingScalars = 0
    }

    /// The words as strings (for tests and debugging).
    var strings: [String] {
        var start = 0
        return ends.map { end in
            defer { start = end }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
    }
}

/// The text normalisation and pre-tokenisation of BERT, exactly as Hugging Face `tokenizers`'
/// `BertNormalizer` and `BertPreTokenizer` (what `BertTokenizerFast` and sentence-transformers run),
/// in one pass over the Unicode scalars:
///
/// 1. clean: drop NUL, U+FFFD and control/format/private-use characters (not tab, LF, CR); every
///    whitespace character separates words;
/// 2. CJK ideographs become words of their own;
/// 3. strip accents: canonical decomposition (NFD), then drop non-spacing marks (Mn) — by default
///    exactly when lower-casing (`strip_accents: null`);
/// 4. lower-case, scalar by scalar with full mappings and no context (Σ → σ even at a word's end,
///    where Python's `str.lower` of the slow tokenizer writes ς);
/// 5. split on whitespace and isolate each punctuation character (ASCII punctuation, which
///    includes symbols such as `$`, `^` and `` ` ``, or a Unicode P* category).
///
/// Character classes follow `tokenizers`' (older) Unicode tables; see `BertUnicode`.
struct BertNormalization: Sendable, Equatable {
    /// Lower-case (`do_lower_case`).
    var lowercase: Bool
    /// Strip accents (`strip_accents`, defaulting to `lowercase`).
    var stripAccents: Bool
    /// Isolate CJK ideographs (`tokenize_chinese_chars`).
    var tokenizeChineseCharacters: Bool

    /// ASCII classes: 0 letter/digit, 1 removed, 2 whitespace, 3 punctuation, 4 upper-case letter.
    private static let asciiClasses: [UInt8] = (0..<128).map { v -> UInt8 in
        switch v {
        case 9, 10, 13, 32: return 2
        case 0..<32, 127: return 1
        case 33...47, 58...64, 91...96, 123...126: return 3
        case 65...90: return 4
        default: return 0
        }
    }

    /// The normalised words of `text` (a convenience for tests; the tokenizer reuses a buffer).
    func words(_ text: String) -> [String] {
        var words = BertWords()
        split(text, into: &words)
        return words.strings
    }

    /// Normalises and splits `text`, appending its words to `words`.
    ///
    /// Decomposition is per character: `tokenizers` decomposes the whole text, whose canonical
    /// reordering can only show in the output where two combining characters that are not
    /// non-spacing marks (some viramas, musical symbols; 25 in all) meet out of order.
    func split(_ text: String, into words: inout BertWords) {
        let ascii = Self.asciiClasses
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                switch ascii[Int(v)] {
                case 0: words.append(s)
                case 2: words.endWord()
                case 3: words.endWord(); words.append(s); words.endWord()
                case 4: words.append(lowercase ? Unicode.Scalar(UInt8(v + 32)) : s)
                default: break
                }
                continue
            }
            let flags = BertUnicode.flags(s)
            if flags.contains(.removed) { continue }
            if flags.contains(.whitespace) { words.endWord(); continue }
            if stripAccents && flags.contains(.nonspacingMark) { continue }
            let alone = tokenizeChineseCharacters && flags.contains(.chinese)
            if alone { words.endWord() }
            if stripAccents && flags.contains(.decomposes) {
                BertUnicode.forEachDecomposed(s) { appendLowered($0, BertUnicode.flags($0), to: &words) }
            } else {
                appendLowered(s, flags, to: &words)
            }
            if alone { words.endWord() }
        }
        words.endWord()
    }

    /// Appends `s`, lower-cased if asked, isolating punctuation.
    @inline(__always)
    private func appendLowered(_ s: Unicode.Scalar, _ flags: BertUnicode.Flags, to words: inout BertWords) {
        if lowercase && flags.contains(.changesWhenLowercased) {
            for lower in s.properties.lowercaseMapping.unicodeScalars { appendClassified(lower, BertUnicode.flags(lower), to: &words) }
        } else {
            appendClassified(s, flags, to: &words)
        }
    }

    /// Appends `s` to the current word, or as a word of its own when it is punctuation.
    @inline(__always)
    private func appendClassified(_ s: Unicode.Scalar, _ flags: BertUnicode.Flags, to words: inout BertWords) {
        if flags.contains(.whitespace) {
            words.endWord()
        } else if flags.contains(.punctuation) {
            words.endWord(); words.append(s); words.endWord()
        } else {
            words.append(s)
        }
    }
}

import Testing
@testable import SynapseData

/// The character classes come from `tokenizers`' own (Unicode 8/9) tables, not Swift's newer data:
/// where the two disagree, the tokenizer must side with `tokenizers`.
@Suite("BertTokenizer Unicode classes")
struct BertTokenizerUnicodeTests {
    func flags(_ v: UInt32) -> BertUnicode.Flags { BertUnicode.flags(Unicode.Scalar(v)!) }

    @Test func tablesAreSortedDisjointRanges() {
        for (ranges, flag) in BertUnicode.tableRanges {
            #expect(ranges.count % 2 == 0 && !ranges.isEmpty, "\(flag)")
            for i in stride(from: 0, to: ranges.count, by: 2) {
                #expect(ranges[i] <= ranges[i + 1], "\(flag) range \(i / 2)")
                if i > 0 { #expect(ranges[i - 1] + 1 < ranges[i], "\(flag) ranges \(i / 2 - 1) and \(i / 2) touch or overlap") }
            }
        }
        #expect(BertUnicode.decompositions.count == 2_042)
        #expect(BertUnicode.decompositions.values.allSatisfy { (1...3).contains($0.count) })
    }

    @Test func classesOfKnownCharacters() {
        #expect(flags(0x41).contains(.changesWhenLowercased) && flags(0x24).contains(.punctuation))  // A, $
        #expect(flags(0x00).contains(.removed) && flags(0xFFFD).contains(.removed) && flags(0x200B).contains(.removed))
        #expect(flags(0x09).contains(.whitespace) && flags(0xA0).contains(.whitespace) && flags(0x3000).contains(.whitespace))
        #expect(!flags(0x0B).contains(.whitespace) && flags(0x0B).contains(.removed))  // vertical tab is a control first
        #expect(flags(0x4E2D).contains(.chinese) && flags(0x20000).contains(.chinese) && !flags(0x3042).contains(.chinese))
        #expect(flags(0x301).contains(.nonspacingMark) && flags(0xE9).contains(.decomposes) && flags(0xAC00).contains(.decomposes))
        #expect(flags(0x1F600) == [] && flags(0xE000).contains(.removed) && flags(0xF0000).contains(.removed))
    }

    @Test func newerUnicodeFollowsTokenizers() {
        #expect(Unicode.Scalar(0x2E4F)!.properties.generalCategory == .otherPunctuation)
        #expect(!flags(0x2E4F).contains(.punctuation))  // Unicode 12 punctuation: one word with its neighbours
        #expect(Unicode.Scalar(0x1ABF)!.properties.generalCategory == .nonspacingMark)
        #expect(!flags(0x1ABF).contains(.nonspacingMark))  // Unicode 14 mark: kept when stripping accents
        #expect(!flags(0x0378).contains(.removed))  // unassigned: kept (not a control character to tokenizers)
        #expect(!flags(0x0890).contains(.removed))  // Unicode 14 format character: kept
        let normalization = BertNormalization(lowercase: true, stripAccents: true, tokenizeChineseCharacters: true)
        #expect(normalization.words("a\u{2E4F}b x\u{1ABF}y p\u{378}q") == ["a\u{2E4F}b", "x\u{1ABF}y", "p\u{378}q"])
    }

    @Test func normalisationOrder() {
        let bert = BertNormalization(lowercase: true, stripAccents: true, tokenizeChineseCharacters: true)
        // Accents go before lower-casing (İ → I → i), lower-casing is per character (final Σ → σ).
        #expect(bert.words("İSTANBUL ΟΔΟΣ") == ["istanbul", "οδοσ"])
        // Hangul syllables decompose into jamo; compatibility ideographs into unified ones, alone.
        #expect(bert.words("한") == ["\u{1112}\u{1161}\u{11AB}"])
        #expect(bert.words("a\u{F900}b") == ["a", "\u{8C48}", "b"])
        // The continuation "##" + a combining vowel sign is found (UTF-8, not Character, prefixes).
        #expect(bert.words("हिन्दी") == ["\u{939}\u{93F}\u{928}\u{926}\u{940}"])
        let cased = BertNormalization(lowercase: false, stripAccents: false, tokenizeChineseCharacters: false)
        #expect(cased.words("Café 東京!") == ["Café", "東京", "!"])
    }
}

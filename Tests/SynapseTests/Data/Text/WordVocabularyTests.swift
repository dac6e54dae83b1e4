import Testing
@testable import Synapse
@testable import SynapseData

@Suite struct WordVocabularyTests {
    @Test func tokenizerSplitsWordsAndPunctuation() {
        let tokenizer = WordTokenizer()
        #expect(tokenizer.tokens("Don't stop, Mr. O'Neil!  3 cats' toys") ==
                ["don't", "stop", ",", "mr", ".", "o'neil", "!", "3", "cats", "'", "toys"])
        #expect(WordTokenizer(lowercase: false).tokens("The the") == ["The", "the"])
        #expect(tokenizer.tokens("") == [])
    }

    @Test func buildsAStableFrequencyOrderedVocabulary() {
        let texts = ["the cat sat on the mat", "the dog sat", "a cat"]
        let vocabulary = WordVocabulary(texts: texts)
        // the ×3; cat, sat ×2 (string order); then the singletons in string order.
        #expect(vocabulary.tokens == ["<unk>", "the", "cat", "sat", "a", "dog", "mat", "on"])
        #expect(WordVocabulary(texts: texts.reversed()) == vocabulary)
        #expect(vocabulary.encode("The cat ate") == [1, 2, 0])
        #expect(vocabulary.decode([1, 2, 0]) == "the cat <unk>")
        #expect(vocabulary.unknownRate("the bird flew") == 2.0 / 3)
    }

    @Test func frequencyCutoffMaxSizeAndSpecialTokens() throws {
        let texts = ["a a a b b c", "d"]
        let cut = WordVocabulary(texts: texts, minFrequency: 2)
        #expect(cut.tokens == ["<unk>", "a", "b"])
        let small = WordVocabulary(texts: texts, maxSize: 4, specialTokens: ["<pad>", "<unk>"])
        #expect(small.tokens == ["<unk>", "<pad>", "a", "b"])
        #expect(small.id(of: "c") == small.unknownID)
        #expect(dataError { () throws(DataError) in try WordVocabulary(tokens: ["a", "<unk>"]) } != nil)
    }

    @Test func savesAndLoads() throws {
        let vocabulary = WordVocabulary(texts: ["x y y z"], specialTokens: ["<pad>"])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try vocabulary.save(to: dir.file("vocab.json"))
        let loaded = try WordVocabulary.load(from: dir.file("vocab.json"))
        #expect(loaded == vocabulary)
        #expect(loaded.encode("y z w") == vocabulary.encode("y z w"))
    }
}

@Suite struct CharacterVocabularyTests {
    @Test func characterLevelVocabularyRoundTrips() {
        let tokenizer = WordTokenizer(lowercase: false, unit: .character)
        #expect(tokenizer.tokens("Né e") == ["N", "é", " ", "e"])
        let vocabulary = WordVocabulary(texts: ["abba cab"], tokenizer: tokenizer)
        #expect(vocabulary.tokens == ["<unk>", "a", "b", " ", "c"])
        #expect(vocabulary.decode(vocabulary.encode("cab")) == "cab")
        #expect(vocabulary.encode("abz") == [1, 2, 0])
    }
}

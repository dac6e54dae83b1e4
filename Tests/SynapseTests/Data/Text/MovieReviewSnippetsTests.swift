import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData

/// The movie-review snippets: parsing (CR LF, neutral and repeated snippets dropped), typed errors
/// on malformed files, the positional split, and the real file that scripts/setup.sh prepares.
@Suite("Movie-review snippets")
struct MovieReviewSnippetsTests {
    static var realFile: URL? { try? MovieReviewSnippets.locate() }

    @Test func parsesRatingsIntoPolarityAndDropsNeutralAndRepeatedSnippets() throws {
        let contents = "1\t2.5\tA gorgeous film.\r\n2\t-1.25\tTedious.\r\n3\t0\tIt exists.\r\n4\t0.1\ta GORGEOUS film.\r\n"
            + "\r\n5\t-3\t  Dull, dull, dull.  \r\n6\t4\tBest of the year."
        let data = try MovieReviewSnippets.parse(contents, path: "snippets.txt")
        #expect(data.texts == ["A gorgeous film.", "Tedious.", "Dull, dull, dull.", "Best of the year."])
        #expect(data.labels == [1, 0, 0, 1])
        #expect(data.classNames == ["negative", "positive"])
    }

    @Test func malformedLinesAreTypedErrorsNamingTheLine() {
        let cases: [(String, String)] = [
            ("1\t2.0\tGood.\n2\t1.0\n", "line 2: expected id<TAB>rating<TAB>text, found 2 field(s)"),
            ("1\t2.0\tGood.\n1\t1.0\tAlso good.\n", "line 2: missing or repeated id '1'"),
            ("1\tgreat\tGood.\n", "line 1: rating 'great' is not a number in -4...4"),
            ("1\t9\tGood.\n", "line 1: rating '9' is not a number in -4...4"),
            ("1\tnan\tGood.\n", "is not a number"),
            ("1\t1.5\t   \n", "line 1: empty text"),
            ("1\t2.0\tGood\tmovie.\n", "line 1: expected id<TAB>rating<TAB>text, found 4 field(s)"),
            ("1\t2.0\tGood\u{1}movie.\n", "line 1: control character U+1 in the text"),
            ("1\t2.0\tGood.\r2\t1.0\tMerged.\n", "found 5 field(s)"),
            ("1 2\t2.0\tGood.\n", "missing or repeated id '1 2'"),
        ]
        for (contents, message) in cases {
            #expect {
                try MovieReviewSnippets.parse(contents, path: "bad.txt")
            } throws: { error in
                guard case DataError.invalidContents(let path, let reason) = error else { return false }
                return path == "bad.txt" && reason.contains(message)
            }
        }
        #expect(throws: DataError.self) { try MovieReviewSnippets.parse("1\t0\tNeutral.\n", path: "neutral.txt") }
    }

    @Test func unreadableAndNonTextFilesAreTypedErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("snippets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: DataError.self) { try MovieReviewSnippets.load(file: dir.appendingPathComponent("missing.txt")) }
        let binary = dir.appendingPathComponent("binary.txt")
        try Data([0x31, 0x09, 0x31, 0x09, 0xFF, 0xFE, 0x80]).write(to: binary)
        #expect { try MovieReviewSnippets.load(file: binary) } throws: { error in
            guard case DataError.invalidContents(_, let reason) = error else { return false }
            return reason.contains("UTF-8")
        }
    }

    @Test func theSplitIsPositional() throws {
        let contents = (0..<20).map { "\($0)\t\($0 % 2 == 0 ? 1 : -1)\tsnippet \($0)" }.joined(separator: "\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("snippets-\(UUID().uuidString).txt")
        try contents.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let splits = try MovieReviewSnippets.load(file: file)
        #expect(splits.test.texts == [0, 5, 10, 15].map { "snippet \($0)" })
        #expect(splits.validation.texts == [1, 11].map { "snippet \($0)" })
        #expect(splits.train.count == 14)
        #expect(Set(splits.train.texts).isDisjoint(with: splits.test.texts + splits.validation.texts))
    }

    @Test func stratifiedPrefixKeepsTheClassBalance() {
        let data = LabelledText(texts: (0..<10).map(String.init), labels: [0, 1, 0, 1, 0, 1, 0, 0, 0, 0], classNames: ["a", "b"])
        let half = data.stratifiedPrefix(fraction: 0.5)
        // 7 negatives → 3.5 → 4, 3 positives → 1.5 → 2 (halves round away from zero); the first of each, in order.
        #expect(half.texts == ["0", "1", "2", "3", "4", "6"])
        #expect(half.classCounts == [4, 2])
        #expect(data.stratifiedPrefix(fraction: 0.01).classCounts == [1, 1])
    }

    @Test(.enabled(if: realFile != nil, "needs scripts/prepare-movie-reviews.sh (run by scripts/setup.sh)"))
    func theRealFileHas10566PolarSnippetsInBalancedSplits() throws {
        let splits = try MovieReviewSnippets.load()
        #expect(splits.train.count == 7395)
        #expect(splits.validation.count == 1057)
        #expect(splits.test.count == 2114)
        for split in [splits.train, splits.validation, splits.test] {
            let positive = Double(split.classCounts[1]) / Double(split.count)
            #expect(positive > 0.45 && positive < 0.55, "positive share \(positive)")
        }
        #expect(splits.test.texts.first?.hasPrefix("The Rock is destined to be the 21st Century's new ''Conan''") == true)
        #expect(splits.test.labels.first == 1)
    }
}

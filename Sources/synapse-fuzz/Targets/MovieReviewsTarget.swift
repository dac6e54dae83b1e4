import Foundation
import Synapse

/// The movie-review snippets file read by `MovieReviewSnippets` (`synapse train --dataset movie-reviews`).
///
/// The seed is the first 200 lines of the real file (CR LF, as prepared by
/// scripts/prepare-movie-reviews.sh). A mutant is loaded and split as a training run loads it.
///
/// Accepted corruption: a changed digit is a legitimate different rating and a changed letter a
/// different text, so a mutant may be accepted, but only if every kept snippet is a non-empty
/// trimmed text without control characters (no merged or torn lines), labels are 0 or 1, no
/// more snippets come back than the mutant has lines, and the splits partition them.
struct MovieReviewsTarget: FuzzTarget {
    let name = "movie-reviews"

    func seeds() throws -> [[UInt8]] {
        let url = try MovieReviewSnippets.locate()
        let data = try Data(contentsOf: url)
        var lines = 0, end = data.count
        for (i, byte) in data.enumerated() where byte == UInt8(ascii: "\n") {
            lines += 1
            if lines == 200 { end = i + 1; break }
        }
        return [Array(data.prefix(end))]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "snippets.txt") else { return .rejected }
        let splits: MovieReviewSnippets.Splits
        do { splits = try MovieReviewSnippets.load(file: url) } catch { return .rejected }
        let all = [splits.train, splits.validation, splits.test]
        let total = all.reduce(0) { $0 + $1.count }
        let lines = mutant.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
        guard total <= lines else { return .corruptionAccepted("\(total) snippets from \(lines) lines") }
        for split in all {
            for (text, label) in zip(split.texts, split.labels) {
                guard label == 0 || label == 1 else { return .corruptionAccepted("label \(label)") }
                guard !text.isEmpty, text == text.trimmingCharacters(in: .whitespaces),
                      !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    return .corruptionAccepted("text \(text.debugDescription.prefix(60))")
                }
            }
        }
        guard Set(all.flatMap(\.texts).map { $0.lowercased() }).count == total else {
            return .corruptionAccepted("a text in two places")
        }
        return .accepted
    }
}

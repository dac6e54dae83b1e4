import Foundation
import SynapseCore

/// Movie-review sentiment: 10,605 Rotten Tomatoes review snippets (the sentence-polarity corpus of
/// Pang & Lee, 2005), each rated by 20 people from -4 (extremely negative) to 4 (extremely
/// positive), published with the VADER paper (Hutto & Gilbert, ICWSM 2014) in the source
/// distribution of the PyPI package `vaderSentiment` 3.3.2.
///
/// A snippet is **positive** (label 1) when its mean rating is above 0 and **negative** (label 0)
/// when below; the 37 snippets rated exactly 0 and the later copies of duplicated texts (2) are
/// dropped, leaving 10,566 (5,240 positive). The split is fixed by position so that any tool can
/// reproduce it (`scripts/text-baseline.py` does): of the kept snippets in file order, the one at
/// position `i` is **test** when `i % 5 == 0` (20 %), **validation** when `i % 10 == 1` (10 %),
/// else **train** (70 %). The file alternates between long runs of positive and negative
/// snippets, so each split keeps the class balance.
///
/// `scripts/prepare-movie-reviews.sh` (run by `scripts/setup.sh`) puts the file in
/// `~/.cache/synapse/movie-reviews`, or `$SYNAPSE_DATA_DIR/movie-reviews`; both are searched.
public enum MovieReviewSnippets {
    /// The file's name.
    public static let fileName = "movieReviewSnippets_GroundTruth.txt"
    /// The classes, indexed by label.
    public static let classNames = ["negative", "positive"]
    /// The command that prepares the dataset.
    public static let installCommand = "scripts/prepare-movie-reviews.sh (in the Synapse repository; "
        + "writes to $SYNAPSE_DATA_DIR/movie-reviews or ~/.cache/synapse/movie-reviews)"
    /// The largest file accepted (the real one is 1.4 MB): a bigger one is not this dataset.
    public static let maximumFileBytes = 64 << 20

    /// The directories searched, in order: `$SYNAPSE_DATA_DIR/movie-reviews`, then
    /// `~/.cache/synapse/movie-reviews`.
    public static var searchDirectories: [URL] {
        var dirs: [URL] = []
        if let env = IDXImageClassification.environmentDirectory("movie-reviews") { dirs.append(env) }
        dirs.append(IDXImageClassification.homeDirectory.appendingPathComponent(".cache/synapse/movie-reviews"))
        return dirs
    }

    /// The three splits.
    public struct Splits: Sendable {
        /// 70 % of the snippets.
        public var train: LabelledText
        /// 10 % of the snippets (early stopping, model choice).
        public var validation: LabelledText
        /// 20 % of the snippets (the reported accuracy).
        public var test: LabelledText
    }

    /// Loads and splits the snippets from `file` (nil: the first `fileName` in `searchDirectories`).
    /// - Throws: `DataError.datasetNotInstalled` when no file is found; `DataError.invalidContents`
    ///   (naming the line) for a malformed file; `DataError.unreadable`, `DataError.tooLarge`.
    public static func load(file: URL? = nil) throws(DataError) -> Splits {
        let url: URL
        if let file { url = file } else { url = try locate() }
        let all = try parse(read(url), path: url.path)
        var train: [Int] = [], validation: [Int] = [], test: [Int] = []
        for i in 0..<all.count {
            if i % 5 == 0 { test.append(i) } else if i % 10 == 1 { validation.append(i) } else { train.append(i) }
        }
        return Splits(train: all.subset(train), validation: all.subset(validation), test: all.subset(test))
    }

    /// The first `fileName` found in `searchDirectories`.
    /// - Throws: `DataError.datasetNotInstalled` naming the directories and the install command.
    public static func locate() throws(DataError) -> URL {
        let dirs = searchDirectories
        for dir in dirs {
            let candidate = dir.appendingPathComponent(fileName)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw .datasetNotInstalled(name: "movie-review snippets", searched: dirs.map(\.path), missing: fileName, install: installCommand)
    }

    /// Every kept snippet of the file's `contents`, in file order (before the split): `id TAB
    /// rating TAB text` lines, CR LF or LF; blank lines are skipped.
    /// - Throws: `DataError.invalidContents` naming the first bad line and why; `DataError.empty`.
    public static func parse(_ contents: String, path: String) throws(DataError) -> LabelledText {
        var texts: [String] = [], labels: [Int] = []
        var seenTexts = Set<String>(), seenIDs = Set<Substring>()
        var lineNumber = 0
        // Lines split at LF bytes: Swift joins CR LF into one Character, and other Unicode line
        // separators inside a snippet are text, as in the file's original tools.
        for rawLine in contents.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let full = String(decoding: rawLine, as: UTF8.self)
            let line = full.hasSuffix("\r") ? full.dropLast() : Substring(full)
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            func bad(_ reason: String) -> DataError { .invalidContents(path: path, reason: "line \(lineNumber): \(reason)") }
            guard fields.count == 3 else { throw bad("expected id<TAB>rating<TAB>text, found \(fields.count) field(s)") }
            guard !fields[0].isEmpty, !fields[0].contains(where: \.isWhitespace), seenIDs.insert(fields[0]).inserted else { throw bad("missing or repeated id '\(fields[0])'") }
            guard let rating = Double(fields[1].trimmingCharacters(in: .whitespaces)), rating.isFinite, (-4...4).contains(rating) else {
                throw bad("rating '\(fields[1].prefix(40))' is not a number in -4...4")
            }
            let text = fields[2].trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { throw bad("empty text") }
            // The real file has none: a control character in a snippet means a damaged or merged line.
            if let control = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw bad("control character U+\(String(control.value, radix: 16, uppercase: true)) in the text")
            }
            // Neutral snippets have no polarity; a repeated text would sit in two splits (leakage).
            guard rating != 0, seenTexts.insert(text.lowercased()).inserted else { continue }
            texts.append(text)
            labels.append(rating > 0 ? 1 : 0)
        }
        guard !texts.isEmpty else { throw .empty(name: path, reason: "no rated snippets") }
        return LabelledText(texts: texts, labels: labels, classNames: classNames)
    }

    private static func read(_ url: URL) throws(DataError) -> String {
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= maximumFileBytes else {
                throw DataError.tooLarge(path: url.path, limit: maximumFileBytes, reason: "\(size) bytes; the real file is 1.4 MB")
            }
            data = try Data(contentsOf: url)
        } catch let error as DataError {
            throw error
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidContents(path: url.path, reason: "not UTF-8 text")
        }
        return text
    }
}

import Foundation
import SynapseCore

/// A text corpus tokenised at the byte level for character language models.
///
/// The vocabulary is the set of distinct byte values present, in ascending order (so ids are stable
/// for a given text); `ids` holds the text as vocabulary indices. `randomWindows` samples training
/// batches of contiguous windows with next-token targets, and `split` cuts the text into a leading
/// training part and a trailing validation part.
public struct TextCorpus: Sendable {
    /// Byte value of each token id, ascending.
    public let vocabulary: [UInt8]
    /// The text as token ids.
    public let ids: [Int32]
    private let idOfByte: [Int32]  // 256 entries, -1 for bytes outside the vocabulary

    /// Tokenises `bytes` with the vocabulary of the bytes themselves.
    public init(bytes: [UInt8]) {
        var present = [Bool](repeating: false, count: 256)
        for b in bytes { present[Int(b)] = true }
        let vocabulary = (0..<256).filter { present[$0] }.map(UInt8.init)
        self.init(bytes: bytes, vocabulary: vocabulary)
    }

    private init(bytes: [UInt8], vocabulary: [UInt8]) {
        var table = [Int32](repeating: -1, count: 256)
        for (i, b) in vocabulary.enumerated() { table[Int(b)] = Int32(i) }
        self.vocabulary = vocabulary
        self.idOfByte = table
        self.ids = bytes.map { table[Int($0)] }
    }

    private init(ids: ArraySlice<Int32>, vocabulary: [UInt8], idOfByte: [Int32]) {
        self.vocabulary = vocabulary
        self.idOfByte = idOfByte
        self.ids = Array(ids)
    }

    /// The files' bytes concatenated in the given order.
    public static func load(files: [URL]) throws(DataError) -> TextCorpus {
        var bytes: [UInt8] = []
        for url in files {
            guard FileManager.default.fileExists(atPath: url.path) else { throw .fileNotFound(path: url.path) }
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw .unreadable(path: url.path, reason: "could not read the file")
            }
            bytes.append(contentsOf: data)
        }
        return TextCorpus(bytes: bytes)
    }

    /// Where Debian's `vim-runtime` installs Vim's documentation.
    public static let vimDocumentationDirectory = URL(fileURLWithPath: "/usr/share/vim/vim90/doc")

    /// The benchmark corpus: Vim's documentation (`*.txt` in sorted file-name order, about 9.5 MB).
    public static func vimDocumentation(directory: URL = vimDocumentationDirectory) throws(DataError) -> TextCorpus {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
        guard !names.isEmpty else {
            throw .datasetNotInstalled(name: "Vim documentation corpus", searched: [directory.path],
                                       missing: "*.txt", install: "apt-get install vim-runtime")
        }
        return try load(files: names.map { directory.appendingPathComponent($0) })
    }

    /// Number of tokens.
    public var count: Int { ids.count }
    /// Number of distinct tokens.
    public var vocabularySize: Int { vocabulary.count }

    /// Token ids of `text`'s UTF-8 bytes; bytes outside the vocabulary are an error naming the byte.
    public func encode(_ text: String) throws(DataError) -> [Int] {
        var out: [Int] = []
        for b in text.utf8 {
            let id = idOfByte[Int(b)]
            guard id >= 0 else { throw .invalidContents(path: "<text>", reason: "byte \(b) is not in the corpus vocabulary") }
            out.append(Int(id))
        }
        return out
    }

    /// The text of token ids (invalid UTF-8 sequences are repaired).
    public func decode(_ tokens: [Int]) -> String {
        String(decoding: tokens.map { vocabulary[$0] }, as: UTF8.self)
    }

    /// The leading `fraction` of the tokens and the rest (same vocabulary), e.g. 0.9 for train/validation.
    public func split(trainFraction fraction: Double) -> (train: TextCorpus, validation: TextCorpus) {
        let cut = Swift.min(Swift.max(Int(Double(count) * fraction), 0), count)
        return (TextCorpus(ids: ids[..<cut], vocabulary: vocabulary, idOfByte: idOfByte),
                TextCorpus(ids: ids[cut...], vocabulary: vocabulary, idOfByte: idOfByte))
    }

    /// `batchSize` windows of `length` tokens starting at random offsets, with the next-token targets
    /// ([B, L] each), drawn from `generator`.
    public func randomWindows(batchSize: Int, length: Int, generator: RandomGenerator) -> (inputs: IntTensor, targets: IntTensor) {
        require(count > length, "TextCorpus.randomWindows: windows of \(length) tokens need more than \(count) tokens")
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(batchSize * length)
        targets.reserveCapacity(batchSize * length)
        for _ in 0..<batchSize {
            let start = generator.nextInt(below: count - length)
            for t in start..<(start + length) {
                inputs.append(Int(ids[t]))
                targets.append(Int(ids[t + 1]))
            }
        }
        return (IntTensor(shape: [batchSize, length], scalars: inputs), IntTensor(shape: [batchSize, length], scalars: targets))
    }
}

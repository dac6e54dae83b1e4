import SynapseCore
import SynapseData

/// The byte vocabulary of a character-level language model, kept with its weights so text can be
/// encoded and decoded later (`synapse generate` reads it from the safetensors metadata).
///
/// Token id i stands for `bytes[i]`; bytes are distinct and ascending, as `TextCorpus` builds them.
public struct CharacterVocabulary: Sendable, Equatable {
    /// Byte value of each token id, ascending.
    public let bytes: [UInt8]
    private let idOfByte: [Int]  // 256 entries, -1 for bytes outside the vocabulary

    /// The safetensors metadata key under which `synapse train` stores the vocabulary.
    public static let metadataKey = "vocabulary"

    /// A vocabulary of distinct ascending `bytes`; anything else is an error naming the position.
    public init(bytes: [UInt8]) throws(DataError) {
        guard !bytes.isEmpty else { throw .invalidContents(path: "<vocabulary>", reason: "the vocabulary is empty") }
        for i in bytes.indices.dropFirst() where bytes[i] <= bytes[i - 1] {
            throw .invalidContents(path: "<vocabulary>", reason: "byte values must be distinct and ascending; entry \(i) (\(bytes[i])) follows \(bytes[i - 1])")
        }
        self.bytes = bytes
        var table = [Int](repeating: -1, count: 256)
        for (i, b) in bytes.enumerated() { table[Int(b)] = i }
        idOfByte = table
    }

    /// The vocabulary of `corpus`.
    public init(_ corpus: TextCorpus) {
        // TextCorpus builds distinct ascending bytes, so this cannot fail.
        do { try self.init(bytes: corpus.vocabulary) } catch { requireFailure("CharacterVocabulary: \(error)") }
    }

    /// Reads the metadata value written by `metadataValue` (decimal byte values separated by spaces);
    /// errors name `file`.
    public init(metadataValue: String, file: String) throws(DataError) {
        var values: [UInt8] = []
        for field in metadataValue.split(separator: " ") {
            guard let b = UInt8(field) else {
                throw .invalidContents(path: file, reason: "metadata '\(Self.metadataKey)' holds '\(field)', not a byte value 0-255")
            }
            values.append(b)
        }
        do { try self.init(bytes: values) } catch {
            throw .invalidContents(path: file, reason: "metadata '\(Self.metadataKey)': \(error)")
        }
    }

    /// The vocabulary as decimal byte values separated by spaces (safetensors metadata is strings).
    public var metadataValue: String { bytes.map { String($0) }.joined(separator: " ") }

    /// Number of tokens.
    public var count: Int { bytes.count }

    /// Token ids of `text`'s UTF-8 bytes; a byte outside the vocabulary is an error naming it.
    public func encode(_ text: String) throws(DataError) -> [Int] {
        var ids: [Int] = []
        for b in text.utf8 {
            let id = idOfByte[Int(b)]
            guard id >= 0 else {
                let shown = b < 128 && b >= 32 ? "'\(Character(Unicode.Scalar(b)))' " : ""
                throw .invalidContents(path: "<text>", reason: "byte \(b) \(shown)is not in the model's vocabulary of \(count) characters")
            }
            ids.append(id)
        }
        return ids
    }

    /// The text of token ids (invalid UTF-8 sequences are repaired).
    public func decode(_ ids: [Int]) -> String { String(decoding: ids.map { bytes[$0] }, as: UTF8.self) }
}

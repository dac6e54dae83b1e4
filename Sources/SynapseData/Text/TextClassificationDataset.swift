import SynapseCore

/// A batch of tokenized texts with their class labels.
public struct TextClassificationBatch: Sendable {
    /// The texts' token ids, token types and attention mask, padded to the batch's longest text.
    public var encodings: BertBatch
    /// Class indices `[B]`.
    public var labels: IntTensor
}

/// Labelled texts tokenized once, batched with padding to each batch's longest text (dynamic
/// padding: a batch of short snippets costs what short snippets cost, not `maxLength`).
public struct TextClassificationDataset: BatchedDataset {
    /// The texts' encodings ([CLS] … [SEP], truncated to `maxLength`).
    public let encodings: [BertEncoding]
    /// Class index per text.
    public let labels: [Int]
    /// The classes' names, indexed by label.
    public let classNames: [String]
    /// The padding token's id.
    public let padID: Int32
    /// Batches are padded to a multiple of this many tokens (8): a few matrix shapes instead of one
    /// per batch, which keeps oneDNN's kernel and packed-weight caches small (see `BertTokenizer.pad`).
    public var padToMultipleOf = 8

    /// Tokenizes `data` with `tokenizer`, truncating each text to `maxLength` tokens (special tokens included).
    public init(_ data: LabelledText, tokenizer: BertTokenizer, maxLength: Int) {
        require(maxLength >= 2, "TextClassificationDataset: maxLength must be at least 2 ([CLS] and [SEP]), got \(maxLength)")
        encodings = data.texts.map { tokenizer.encode($0, maxLength: maxLength) }
        labels = data.labels
        classNames = data.classNames
        padID = tokenizer.padID
    }

    /// Number of texts.
    public var count: Int { encodings.count }

    private init(encodings: [BertEncoding], labels: [Int], classNames: [String], padID: Int32) {
        self.encodings = encodings
        self.labels = labels
        self.classNames = classNames
        self.padID = padID
    }

    /// The same texts, longest first (ties in the original order): batches of similar lengths pad
    /// least, which speeds up evaluation, where order does not matter.
    public func sortedByLength() -> TextClassificationDataset {
        let order = encodings.indices.sorted { (encodings[$0].inputIDs.count, $1) > (encodings[$1].inputIDs.count, $0) }
        var sorted = TextClassificationDataset(encodings: order.map { encodings[$0] }, labels: order.map { labels[$0] },
                                               classNames: classNames, padID: padID)
        sorted.padToMultipleOf = padToMultipleOf
        return sorted
    }

    /// The text at `index`: its encoding and label.
    public subscript(index: Int) -> (encoding: BertEncoding, label: Int) { (encodings[index], labels[index]) }

    /// Tokens per text, [CLS] and [SEP] included.
    public var lengths: [Int] { encodings.map(\.inputIDs.count) }

    /// The texts at `indices`, padded to the longest of them.
    public func batch(_ indices: [Int]) -> TextClassificationBatch {
        TextClassificationBatch(encodings: BertTokenizer.pad(indices.map { encodings[$0] }, padID: padID, multipleOf: padToMultipleOf),
                                labels: IntTensor(indices.map { labels[$0] }))
    }
}

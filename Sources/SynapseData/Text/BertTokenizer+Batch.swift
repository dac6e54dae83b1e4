import SynapseCore

/// How `BertTokenizer.encodeBatch` pads.
public enum BertPadding: Sendable {
    /// To the longest sequence of the batch (sentence-transformers' `padding=True`).
    case longest
    /// To the maximum length.
    case maxLength
}

/// A padded batch of encodings, as the model reads it.
public struct BertBatch: Sendable {
    /// Token ids [batch, length] (padding: the pad id).
    public var inputIDs: IntTensor
    /// Segment ids [batch, length] (padding: 0).
    public var tokenTypeIDs: IntTensor
    /// 1 for tokens, 0 for padding [batch, length].
    public var attentionMask: IntTensor
    /// Tokens per row before padding.
    public var lengths: [Int]
}

extension BertTokenizer {
    /// Encodes `texts` (each truncated to `maxLength`, default `modelMaxLength`) and pads them into
    /// one batch: `.longest` to the longest row, `.maxLength` to `maxLength`; then up to a multiple
    /// of `padToMultipleOf` (Hugging Face's `pad_to_multiple_of`).
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil, padding: BertPadding = .longest,
                            padToMultipleOf: Int = 1) -> BertBatch {
        var words = BertWords()
        let encodings = texts.map { encode($0, pair: nil, maxLength: maxLength, using: &words) }
        return Self.pad(encodings, padID: padID, to: padding == .maxLength ? (maxLength ?? modelMaxLength) : nil,
                        multipleOf: padToMultipleOf)
    }

    /// Pads `encodings` with `padID` (types 0, mask 0) to `length`, or to the longest when nil (or
    /// shorter than the longest), rounded up to a multiple of `multipleOf`.
    ///
    /// Rounding up matters for speed on the CPU: every distinct batch width is a new matrix shape,
    /// and oneDNN creates (and the weight cache packs) one kernel per shape; widths in steps of 8
    /// keep a stream of variable-length batches on a handful of shapes instead of one per batch.
    /// Padding is masked out, so the real tokens' outputs do not change.
    public static func pad(_ encodings: [BertEncoding], padID: Int32, to length: Int? = nil, multipleOf: Int = 1) -> BertBatch {
        require(multipleOf >= 1, "BertTokenizer.pad: multipleOf must be at least 1, got \(multipleOf)")
        let longest = encodings.map(\.inputIDs.count).max() ?? 0
        let unrounded = Swift.max(length ?? longest, longest)
        let width = (unrounded + multipleOf - 1) / multipleOf * multipleOf
        var ids = [Int](repeating: Int(padID), count: encodings.count * width)
        var types = [Int](repeating: 0, count: encodings.count * width)
        var mask = [Int](repeating: 0, count: encodings.count * width)
        for (row, e) in encodings.enumerated() {
            let base = row * width
            for (i, id) in e.inputIDs.enumerated() { ids[base + i] = Int(id) }
            for (i, type) in e.tokenTypeIDs.enumerated() { types[base + i] = Int(type) }
            for (i, bit) in e.attentionMask.enumerated() { mask[base + i] = Int(bit) }
        }
        let shape = [encodings.count, width]
        return BertBatch(inputIDs: IntTensor(shape: shape, scalars: ids), tokenTypeIDs: IntTensor(shape: shape, scalars: types),
                         attentionMask: IntTensor(shape: shape, scalars: mask), lengths: encodings.map(\.inputIDs.count))
    }
}

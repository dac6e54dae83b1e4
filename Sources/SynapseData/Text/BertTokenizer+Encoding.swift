import SynapseCore

/// One encoded text (or text pair), specials included.
public struct BertEncoding: Sendable, Equatable {
    /// Token ids: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`.
    public var inputIDs: [Int32]
    /// 0 for the first segment (with its [CLS] and [SEP]), 1 for the second.
    public var tokenTypeIDs: [Int32]
    /// 1 for every token (padding, added by batches, gets 0).
    public var attentionMask: [Int32]
}

extension BertTokenizer {
    /// `[CLS] text [SEP]` (or `[CLS] text [SEP] pair [SEP]`), truncated on the right so the whole
    /// encoding fits `maxLength` (default `modelMaxLength`); pairs lose tokens from the longer text
    /// first (Hugging Face's `longest_first`).
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil) -> BertEncoding {
        var words = BertWords()
        return encode(text, pair: pair, maxLength: maxLength, using: &words)
    }

    /// `encode`, normalising into `words` (a buffer reused across texts).
    func encode(_ text: String, pair: String?, maxLength: Int?, using words: inout BertWords) -> BertEncoding {
        let limit = maxLength ?? modelMaxLength
        require(limit >= (pair == nil ? 2 : 3),
                "BertTokenizer.encode: maxLength \(limit) leaves no room for the special tokens of \(pair == nil ? "a text" : "a pair")")
        var first = ids(of: text, using: &words)
        guard let pair else {
            if first.count > limit - 2 { first.removeSubrange((limit - 2)...) }
            var ids = [clsID]
            ids.reserveCapacity(first.count + 2)
            ids += first
            ids.append(sepID)
            return BertEncoding(inputIDs: ids, tokenTypeIDs: Array(repeating: 0, count: ids.count),
                                attentionMask: Array(repeating: 1, count: ids.count))
        }
        var second = ids(of: pair, using: &words)
        let (n1, n2) = Self.longestFirst(first.count, second.count, budget: limit - 3)
        first.removeSubrange(n1...)
        second.removeSubrange(n2...)
        let ids = [clsID] + first + [sepID] + second + [sepID]
        return BertEncoding(inputIDs: ids,
                            tokenTypeIDs: Array(repeating: 0, count: first.count + 2) + Array(repeating: 1, count: second.count + 1),
                            attentionMask: Array(repeating: 1, count: ids.count))
    }

    /// The lengths two segments keep under `longest_first` truncation to `budget` tokens, as
    /// `tokenizers` computes them: the shorter keeps all it can, and when both must shrink they
    /// split the budget evenly (the longer one gets the odd token).
    static func longestFirst(_ a: Int, _ b: Int, budget: Int) -> (Int, Int) {
        guard a + b > budget else { return (a, b) }
        var (n1, n2) = a > b ? (b, a) : (a, b)
        n2 = n1 > budget ? n1 : Swift.max(n1, budget - n1)
        if n1 + n2 > budget { n1 = budget / 2; n2 = n1 + budget % 2 }
        return a > b ? (n2, n1) : (n1, n2)
    }
}

import Foundation
import SynapseCore
import SynapseData
import SynapseNN

/// Sentence embeddings as `sentence-transformers` computes them: tokenize (truncating to the
/// model's `max_seq_length`), run the encoder, pool the token states over the attention mask, and
/// optionally L2-normalise. `SentenceEmbedder(directory:)` applies the pipeline of the directory's
/// `modules.json` (for all-MiniLM-L6-v2: Transformer → mean Pooling → Normalize).
///
/// ```swift
/// let embedder = try SentenceEmbedder(directory: PretrainedModelDirectory.resolve("minilm"))
/// let vectors = embedder.embed(["A man is eating food.", "A man is riding a horse."])  // [2, 384]
/// ```
public final class SentenceEmbedder: @unchecked Sendable {
    /// The encoder.
    public let model: BertModel
    /// Its tokenizer.
    public let tokenizer: BertTokenizer
    /// How token states are pooled.
    public let pooling: SentencePooling
    /// Whether embeddings are L2-normalised.
    public let normalize: Bool
    /// Longest token sequence (specials included); longer texts are truncated.
    public let maxSequenceLength: Int

    /// An embedder from its parts.
    public init(model: BertModel, tokenizer: BertTokenizer, pooling: SentencePooling = .mean, normalize: Bool = false,
                maxSequenceLength: Int? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.normalize = normalize
        self.maxSequenceLength = Swift.min(maxSequenceLength ?? tokenizer.modelMaxLength, model.config.maxPositionEmbeddings)
        model.eval()
    }

    /// Loads a sentence-transformers directory (or a plain Hugging Face BERT directory, which gets
    /// mean pooling without normalisation, as sentence-transformers does for it).
    /// - Throws: `PretrainedModelError` or `TokenizerError` naming the file at fault.
    public convenience init(directory: URL) throws {
        let pipeline = try SentenceTransformerPipeline(directory: directory)
        let model = try BertModel(directory: pipeline.transformerDirectory)
        let tokenizer = try BertTokenizer(directory: pipeline.transformerDirectory)
        self.init(model: model, tokenizer: tokenizer, pooling: pipeline.pooling, normalize: pipeline.normalize,
                  maxSequenceLength: pipeline.maxSequenceLength)
    }

    /// Batches are padded to a multiple of this many tokens: a few matrix shapes instead of one per
    /// batch (see `BertTokenizer.pad`); the embeddings do not change.
    public static let padToMultipleOf = 8

    /// Width of the embeddings.
    public var dimension: Int { model.config.hiddenSize }

    /// Embeddings [texts.count, dimension], computed `batchSize` texts at a time. As
    /// sentence-transformers does, texts are batched longest first so each batch pads little; rows
    /// come back in the order of `texts`.
    public func embed(_ texts: [String], batchSize: Int = 32) -> Tensor {
        require(batchSize > 0, "SentenceEmbedder.embed: batch size must be positive, got \(batchSize)")
        guard !texts.isEmpty else { return Tensor(shape: [0, dimension], scalars: []) }
        let order = texts.indices.sorted { texts[$0].count > texts[$1].count }
        var out = [Float](repeating: 0, count: texts.count * dimension)
        var start = 0
        while start < order.count {
            let indices = Array(order[start..<Swift.min(start + batchSize, order.count)])
            let vectors = embeddings(for: tokenizer.encodeBatch(indices.map { texts[$0] }, maxLength: maxSequenceLength,
                                                                 padToMultipleOf: Self.padToMultipleOf))
            vectors.withUnsafeBufferPointer { v in
                for (row, index) in indices.enumerated() {
                    for j in 0..<dimension { out[index * dimension + j] = v[row * dimension + j] }
                }
            }
            start += batchSize
        }
        return Tensor(shape: [texts.count, dimension], scalars: out)
    }

    /// Pooled (and, if configured, normalised) embeddings [B, dimension] of an encoded batch.
    public func embeddings(for batch: BertBatch) -> Tensor {
        withoutGradients {
            let hidden = model(inputIDs: batch.inputIDs, tokenTypeIDs: batch.tokenTypeIDs,
                               attentionMask: batch.attentionMask).lastHiddenState
            let pooled = SentenceEmbedder.pool(hidden, mask: batch.attentionMask, mode: pooling)
            return normalize ? SentenceEmbedder.l2Normalized(pooled) : pooled
        }
    }

    /// Pools token states [B, L, H] over `mask` [B, L] (1 = token, 0 = padding), as
    /// sentence-transformers' `Pooling` does (the mean divides by max(count, 1e-9)). Differentiable.
    public static func pool(_ hidden: Tensor, mask: IntTensor, mode: SentencePooling) -> Tensor {
        require(hidden.rank == 3 && mask.shape == [hidden.shape[0], hidden.shape[1]],
                "SentenceEmbedder.pool: hidden states [B, L, H] \(hidden.shape) and mask [B, L] \(mask.shape) do not fit")
        let (b, l) = (hidden.shape[0], hidden.shape[1])
        let weights = Tensor(shape: [b, l, 1], scalars: mask.scalars.map { $0 != 0 ? 1 : 0 })
        let counts = Tensor(shape: [b, 1], scalars: (0..<b).map { row in
            Swift.max(Float(mask.scalars[row * l..<(row + 1) * l].filter { $0 != 0 }.count), 1e-9)
        })
        switch mode {
        case .cls:
            return hidden.select(dim: 1, index: 0)
        case .mean:
            return (hidden * weights).sum(dim: 1) / counts
        case .meanSqrtLength:
            return (hidden * weights).sum(dim: 1) / sqrt(counts)
        case .max:
            // Padding positions are set to −1e9 before the maximum (sentence-transformers' choice).
            let masked = hidden * weights + (weights - 1) * 1e9
            return masked.max(dim: 1).values
        }
    }

    /// Rows divided by max(‖row‖₂, 1e-12) (PyTorch's `F.normalize(p=2, dim=1)`). Differentiable.
    public static func l2Normalized(_ x: Tensor) -> Tensor {
        let norms = sqrt((x * x).sum(dim: -1, keepdim: true))
        return x / clamp(norms, min: 1e-12)
    }
}

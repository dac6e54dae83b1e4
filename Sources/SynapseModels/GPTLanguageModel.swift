import SynapseCore
import SynapseNN

/// A small decoder-only Transformer language model (the W5 benchmark "tiny GPT"):
/// token Embedding(vocab, 128) + learned positions (128 × 128) → 4 pre-LayerNorm `GPTBlock`s
/// (4 heads, MLP 512, GELU) → LayerNorm → Linear(128, vocab).
///
/// Parameter names match a PyTorch module with attributes `embedding`, `positions`
/// (`nn.Embedding(context, width)`), `blocks` (an `nn.ModuleList`), `norm` and `head`, so its
/// `state_dict` loads as it is (see `Benchmarks/reference/w5_gpt.py`).
public final class GPTLanguageModel: Module, LanguageModel {
    /// Token embeddings [vocab, width].
    public let embedding: Embedding
    /// Learned position embeddings [contextLength, width] (state-dict name `positions.weight`).
    public let positions: LearnedPositionalEncoding
    /// The Transformer blocks.
    public let blocks: [GPTBlock]
    /// Final layer normalisation.
    public let norm: LayerNorm
    /// Projection onto the vocabulary.
    public let head: Linear

    /// A model over `vocabularySize` tokens; the defaults are the W5 sizes. Initialised like
    /// PyTorch's defaults (embeddings N(0, 1), linear layers Kaiming-uniform) from `generator`.
    public init(vocabularySize: Int, contextLength: Int = 128, width: Int = 128, layers: Int = 4, heads: Int = 4,
                mlpWidth: Int = 512, generator: RandomGenerator = .global) {
        require(width % heads == 0, "GPTLanguageModel: width \(width) must be divisible by heads \(heads)")
        embedding = Embedding(vocabularySize, width, generator: generator)
        positions = LearnedPositionalEncoding(maxLength: contextLength, dModel: width, batchFirst: true, generator: generator)
        blocks = (0..<layers).map { _ in GPTBlock(width: width, heads: heads, mlpWidth: mlpWidth, generator: generator) }
        norm = LayerNorm(width)
        head = Linear(width, vocabularySize, generator: generator)
        super.init()
    }

    /// Number of distinct tokens.
    public var vocabularySize: Int { embedding.numEmbeddings }
    /// The longest sequence the model reads (rows of the position table).
    public var contextLength: Int { positions.weight.shape[0] }

    /// Next-token logits [B, T, vocab] for `tokens` [B, T] with T ≤ contextLength.
    public func logits(_ tokens: IntTensor) -> Tensor {
        require(tokens.rank == 2 && tokens.shape[1] <= contextLength,
                "GPTLanguageModel: expected token ids [B, T] with T ≤ \(contextLength), got \(tokens.shape)")
        var x = positions(embedding(tokens))
        for block in blocks { x = block(x) }
        return head(norm(x))
    }

    /// A decoder that re-reads the last `contextLength` tokens at every call.
    public func makeDecoder() -> any LanguageModelDecoder { Decoder(self) }

    /// Keeps the sequence's most recent `contextLength` tokens and runs them at each call.
    private final class Decoder: LanguageModelDecoder {
        let model: GPTLanguageModel
        var window: [Int] = []

        init(_ model: GPTLanguageModel) { self.model = model }

        func feed(_ tokens: [Int]) -> [Float] {
            require(!tokens.isEmpty, "GPTLanguageModel decoder: feed at least one token")
            window += tokens
            if window.count > model.contextLength { window.removeFirst(window.count - model.contextLength) }
            return withoutGradients {
                model.logits(IntTensor(shape: [1, window.count], scalars: window))
                    .select(dim: 1, index: window.count - 1).reshaped([-1]).scalars
            }
        }
    }
}

/// One pre-LayerNorm Transformer block with causal self-attention:
///
///     x = x + proj(attention(qkv(norm1(x))))
///     x = x + fc2(GELU(fc1(norm2(x))))
///
/// `qkv` [3·width, width] holds the query, key and value projections stacked in that order (each
/// split into `heads` heads of width/heads features), as in GPT-2 / nanoGPT.
public final class GPTBlock: Module, Layer {
    /// Normalisation before attention.
    public let norm1: LayerNorm
    /// Joint query/key/value projection, width → 3·width.
    public let qkv: Linear
    /// Output projection of the attention, width → width.
    public let proj: Linear
    /// Normalisation before the MLP.
    public let norm2: LayerNorm
    /// MLP expansion, width → mlpWidth.
    public let fc1: Linear
    /// MLP contraction, mlpWidth → width.
    public let fc2: Linear
    /// Number of attention heads.
    public let heads: Int

    /// A block of `width` features with `heads` heads and an MLP of `mlpWidth`.
    public init(width: Int, heads: Int, mlpWidth: Int, generator: RandomGenerator = .global) {
        require(width % heads == 0, "GPTBlock: width \(width) must be divisible by heads \(heads)")
        norm1 = LayerNorm(width)
        qkv = Linear(width, 3 * width, generator: generator)
        proj = Linear(width, width, generator: generator)
        norm2 = LayerNorm(width)
        fc1 = Linear(width, mlpWidth, generator: generator)
        fc2 = Linear(mlpWidth, width, generator: generator)
        self.heads = heads
        super.init()
    }

    /// The block applied to `x` [B, T, width].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let width = proj.inFeatures
        require(x.rank == 3 && x.shape[2] == width, "GPTBlock: expected [B, T, \(width)], got \(x.shape)")
        let (b, t) = (x.shape[0], x.shape[1])
        // [B, T, 3·width] → [3, B, heads, T, headWidth]: one view, then q, k, v are selections of it.
        let packed = qkv(norm1(x)).reshaped([b, t, 3, heads, width / heads]).permuted([2, 0, 3, 1, 4])
        let attended = scaledDotProductAttention(query: packed.select(dim: 0, index: 0), key: packed.select(dim: 0, index: 1),
                                                 value: packed.select(dim: 0, index: 2), isCausal: true)
        let h = x + proj(attended.permuted([0, 2, 1, 3]).reshaped([b, t, width]))
        return h + fc2(gelu(fc1(norm2(h))))
    }
}

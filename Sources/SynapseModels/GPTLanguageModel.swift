import SynapseCore
import SynapseNN

/// A small decoder-only Transformer language model (the W5 benchmark "tiny GPT"):
/// token Embedding(vocab, 128) + learned positions (128 × 128) → 4 pre-LayerNorm `GPTBlock`s
/// (4 heads, MLP 512, GELU) → LayerNorm → Linear(128, vocab).
///
/// Parameter names match a PyTorch module with attributes `embedding`, `positions`
/// (`nn.Embedding(context, dModel)`), `blocks` (an `nn.ModuleList`), `norm` and `head`, so its
/// `state_dict` loads as it is (see `Benchmarks/reference/w5_gpt.py`).
public final class GPTLanguageModel: Module, LanguageModel {
    /// Token embeddings [vocab, dModel].
    public let embedding: Embedding
    /// Learned position embeddings [contextLength, dModel] (state-dict name `positions.weight`).
    public let positions: LearnedPositionalEncoding
    /// The Transformer blocks.
    public let blocks: [GPTBlock]
    /// Final layer normalisation.
    public let norm: LayerNorm
    /// Projection onto the vocabulary.
    public let head: Linear

    /// A model over `vocabularySize` tokens; the defaults are the W5 sizes. Initialised like
    /// PyTorch's defaults (embeddings N(0, 1), linear layers Kaiming-uniform) from `generator`.
    public init(vocabularySize: Int, contextLength: Int = 128, dModel: Int = 128, numLayers: Int = 4, numHeads: Int = 4,
                dimFeedforward: Int = 512, generator: RandomGenerator = .global) {
        require(dModel % numHeads == 0, "GPTLanguageModel: dModel \(dModel) must be divisible by numHeads \(numHeads)")
        embedding = Embedding(vocabularySize, dModel, generator: generator)
        positions = LearnedPositionalEncoding(dModel: dModel, maxLength: contextLength, batchFirst: true, generator: generator)
        blocks = (0..<numLayers).map { _ in
            GPTBlock(dModel: dModel, numHeads: numHeads, dimFeedforward: dimFeedforward, generator: generator)
        }
        norm = LayerNorm(dModel)
        head = Linear(dModel, vocabularySize, generator: generator)
        super.init()
    }

    /// The spelling before the Transformer vocabulary (`dModel`, `numLayers`, `numHeads`,
    /// `dimFeedforward`) was used everywhere.
    @available(*, deprecated, renamed: "init(vocabularySize:contextLength:dModel:numLayers:numHeads:dimFeedforward:generator:)")
    public convenience init(vocabularySize: Int, contextLength: Int = 128, width: Int, layers: Int = 4, heads: Int = 4,
                            mlpWidth: Int = 512, generator: RandomGenerator = .global) {
        self.init(vocabularySize: vocabularySize, contextLength: contextLength, dModel: width, numLayers: layers,
                  numHeads: heads, dimFeedforward: mlpWidth, generator: generator)
    }

    /// Model width (the embedding size).
    public var dModel: Int { embedding.embeddingDim }
    /// Number of attention heads per block.
    public var numHeads: Int { blocks.first?.numHeads ?? 0 }
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "vocabularySize: \(vocabularySize), contextLength: \(contextLength), dModel: \(dModel), numLayers: \(blocks.count), numHeads: \(numHeads)"
    }

    /// Number of distinct tokens.
    public var vocabularySize: Int { embedding.numEmbeddings }
    /// The longest sequence the model reads (rows of the position table).
    public var contextLength: Int { positions.weight.shape[0] }

    /// Next-token logits [B, T, vocab] for `tokens` [B, T] with T ≤ contextLength.
    public func logits(_ tokens: IntTensor) -> Tensor {
        recordingCall {
            require(tokens.rank == 2 && tokens.shape[1] <= contextLength,
                    "GPTLanguageModel: expected token ids [B, T] with T ≤ \(contextLength), got \(tokens.shape)")
            var x = positions(embedding(tokens))
            for block in blocks { x = block(x) }
            return head(norm(x))
        }
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
/// `qkv` [3·dModel, dModel] holds the query, key and value projections stacked in that order (each
/// split into `numHeads` heads of dModel/numHeads features), as in GPT-2 / nanoGPT.
public final class GPTBlock: Module, Layer {
    /// Normalisation before attention.
    public let norm1: LayerNorm
    /// Joint query/key/value projection, dModel → 3·dModel.
    public let qkv: Linear
    /// Output projection of the attention, dModel → dModel.
    public let proj: Linear
    /// Normalisation before the MLP.
    public let norm2: LayerNorm
    /// MLP expansion, dModel → dimFeedforward.
    public let fc1: Linear
    /// MLP contraction, dimFeedforward → dModel.
    public let fc2: Linear
    /// Number of attention heads.
    public let numHeads: Int

    /// A block of `dModel` features with `numHeads` heads and an MLP of `dimFeedforward`.
    public init(dModel: Int, numHeads: Int, dimFeedforward: Int, generator: RandomGenerator = .global) {
        require(dModel % numHeads == 0, "GPTBlock: dModel \(dModel) must be divisible by numHeads \(numHeads)")
        norm1 = LayerNorm(dModel)
        qkv = Linear(dModel, 3 * dModel, generator: generator)
        proj = Linear(dModel, dModel, generator: generator)
        norm2 = LayerNorm(dModel)
        fc1 = Linear(dModel, dimFeedforward, generator: generator)
        fc2 = Linear(dimFeedforward, dModel, generator: generator)
        self.numHeads = numHeads
        super.init()
    }

    /// The spelling before the Transformer vocabulary was used everywhere.
    @available(*, deprecated, renamed: "init(dModel:numHeads:dimFeedforward:generator:)")
    public convenience init(width: Int, heads: Int, mlpWidth: Int, generator: RandomGenerator = .global) {
        self.init(dModel: width, numHeads: heads, dimFeedforward: mlpWidth, generator: generator)
    }

    /// The head count under its old name.
    @available(*, deprecated, renamed: "numHeads")
    public var heads: Int { numHeads }

    /// Model width.
    public var dModel: Int { proj.inFeatures }

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "dModel: \(dModel), numHeads: \(numHeads), dimFeedforward: \(fc1.outFeatures)"
    }

    /// The block applied to `x` [B, T, dModel].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let width = proj.inFeatures
            require(x.rank == 3 && x.shape[2] == width, "GPTBlock: expected [B, T, \(width)], got \(x.shape)")
            let (b, t) = (x.shape[0], x.shape[1])
            // [B, T, 3·dModel] → [3, B, numHeads, T, headWidth]: one view, and q, k, v are views of it. `unbind`
            // writes their gradients straight into one buffer in the projection's layout (no copies, no zero fills).
            let qkvHeads = qkv(norm1(x)).reshaped([b, t, 3, numHeads, width / numHeads]).permuted([2, 0, 3, 1, 4]).unbind(dim: 0)
            let attended = scaledDotProductAttention(query: qkvHeads[0], key: qkvHeads[1], value: qkvHeads[2], isCausal: true)
            let h = x + proj(attended.permuted([0, 2, 1, 3]).reshaped([b, t, width]))
            return h + fc2(gelu(fc1(norm2(h))))
        }
    }
}

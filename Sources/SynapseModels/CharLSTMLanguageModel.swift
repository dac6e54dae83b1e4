import SynapseCore
import SynapseNN

/// A character-level LSTM language model (the W4 benchmark network):
/// Embedding(vocab, 64) → 1-layer LSTM(64 → 256, batch-first) → Linear(256, vocab).
///
/// Parameter names match a PyTorch module with attributes `embedding`, `lstm` and `head`
/// (`embedding.weight`, `lstm.weight_ih_l0`, …, `head.bias`), so its `state_dict` loads as it is.
public final class CharLSTMLanguageModel: Module, LanguageModel {
    /// Token embeddings [vocab, embeddingDim].
    public let embedding: Embedding
    /// The recurrent layer, batch-first.
    public let lstm: LSTM
    /// Projection of the hidden state onto the vocabulary.
    public let head: Linear

    /// A model over `vocabularySize` tokens, initialised like PyTorch's defaults from `generator`.
    public init(vocabularySize: Int, embeddingDim: Int = 64, hiddenSize: Int = 256, numLayers: Int = 1,
                generator: RandomGenerator = .global) {
        embedding = Embedding(vocabularySize, embeddingDim, generator: generator)
        lstm = LSTM(inputSize: embeddingDim, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true, generator: generator)
        head = Linear(hiddenSize, vocabularySize, generator: generator)
        super.init()
    }

    /// The spelling before the layers' own names (`Embedding`'s `embeddingDim`, `LSTM`'s
    /// `numLayers`) were used.
    @available(*, deprecated, renamed: "init(vocabularySize:embeddingDim:hiddenSize:numLayers:generator:)")
    public convenience init(vocabularySize: Int, embeddingSize: Int, hiddenSize: Int = 256, layers: Int = 1,
                            generator: RandomGenerator = .global) {
        self.init(vocabularySize: vocabularySize, embeddingDim: embeddingSize, hiddenSize: hiddenSize, numLayers: layers,
                  generator: generator)
    }

    /// Number of distinct tokens.
    public var vocabularySize: Int { embedding.numEmbeddings }

    /// Logits [B, T, vocab] and the final (h, c) state ([layers, B, hidden] each) for `tokens` [B, T],
    /// starting from `state` (zeros when nil).
    public func callAsFunction(_ tokens: IntTensor, state: (h: Tensor, c: Tensor)? = nil)
        -> (logits: Tensor, state: (h: Tensor, c: Tensor)) {
        recordingCall {
            require(tokens.rank == 2, "CharLSTMLanguageModel: expected token ids [B, T], got \(tokens.shape)")
            let r = lstm(embedding(tokens), state.map { (h0: $0.h, c0: $0.c) })
            return (head(r.output), (r.hN, r.cN))
        }
    }

    /// Next-token logits [B, T, vocab] from a zero initial state.
    public func logits(_ tokens: IntTensor) -> Tensor { self(tokens).logits }

    /// A decoder that carries the LSTM state from one call to the next.
    public func makeDecoder() -> any LanguageModelDecoder { Decoder(self) }

    /// Steps the LSTM over new tokens only, keeping (h, c) between calls.
    private final class Decoder: LanguageModelDecoder {
        let model: CharLSTMLanguageModel
        var state: (h: Tensor, c: Tensor)?

        init(_ model: CharLSTMLanguageModel) { self.model = model }

        func feed(_ tokens: [Int]) -> [Float] {
            require(!tokens.isEmpty, "CharLSTMLanguageModel decoder: feed at least one token")
            return withoutGradients {
                let r = model(IntTensor(shape: [1, tokens.count], scalars: tokens), state: state)
                state = r.state
                return r.logits.select(dim: 1, index: tokens.count - 1).reshaped([-1]).scalars
            }
        }
    }
}

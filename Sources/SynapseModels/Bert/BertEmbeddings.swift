import SynapseCore
import SynapseNN

/// BERT's input layer: word + absolute position + token-type embeddings, summed, then LayerNorm and
/// dropout. State-dict names as Hugging Face's `BertEmbeddings` (`word_embeddings.weight`,
/// `position_embeddings.weight`, `token_type_embeddings.weight`, `LayerNorm.weight`/`.bias`).
public final class BertEmbeddings: Module {
    /// Token embeddings [vocab, hidden].
    public let wordEmbeddings: Embedding
    /// Absolute position embeddings [maxPositions, hidden].
    public let positionEmbeddings: Embedding
    /// Segment embeddings [typeVocabulary, hidden].
    public let tokenTypeEmbeddings: Embedding
    /// Normalisation of the summed embeddings.
    public let layerNorm: LayerNorm
    /// Dropout after the normalisation (training only).
    public let dropout: Dropout

    /// The embeddings of `config`, initialised N(0, 1) (a pretrained checkpoint replaces them).
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        wordEmbeddings = Embedding(config.vocabularySize, config.hiddenSize, generator: generator)
        positionEmbeddings = Embedding(config.maxPositionEmbeddings, config.hiddenSize, generator: generator)
        tokenTypeEmbeddings = Embedding(config.typeVocabularySize, config.hiddenSize, generator: generator)
        layerNorm = LayerNorm([config.hiddenSize], eps: config.layerNormEps)
        dropout = Dropout(p: config.hiddenDropout, generator: generator)
        super.init()
    }

    /// Hugging Face's names: `word_embeddings`, `position_embeddings`, `token_type_embeddings`, `LayerNorm`.
    public override func stateDictName(forProperty name: String) -> String {
        ["wordEmbeddings": "word_embeddings", "positionEmbeddings": "position_embeddings",
         "tokenTypeEmbeddings": "token_type_embeddings", "layerNorm": "LayerNorm"][name] ?? name
    }

    /// Embeddings [B, L, hidden] of `inputIDs` [B, L]; `tokenTypeIDs` [B, L] defaults to all zeros.
    public func callAsFunction(_ inputIDs: IntTensor, tokenTypeIDs: IntTensor? = nil) -> Tensor {
        recordingCall {
            require(inputIDs.rank == 2, "BertEmbeddings: expected input ids [B, L], got \(inputIDs.shape)")
            let length = inputIDs.shape[1]
            require(length <= positionEmbeddings.numEmbeddings,
                    "BertEmbeddings: sequence length \(length) exceeds max_position_embeddings \(positionEmbeddings.numEmbeddings)")
            let types = tokenTypeIDs ?? IntTensor(shape: inputIDs.shape, scalars: Array(repeating: 0, count: inputIDs.scalars.count))
            require(types.shape == inputIDs.shape,
                    "BertEmbeddings: token type ids \(types.shape) must have the shape of the input ids \(inputIDs.shape)")
            let positions = positionEmbeddings(IntTensor(Array(0..<length)))
            let summed = wordEmbeddings(inputIDs) + tokenTypeEmbeddings(types) + positions
            return dropout(layerNorm(summed))
        }
    }
}

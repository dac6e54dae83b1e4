import SynapseCore
import SynapseData
import SynapseNN

/// Which vector of a `BertModel` the classification head reads.
public enum BertClassifierPooling: Sendable, Equatable {
    /// The pooler's output (tanh(dense([CLS]))): Hugging Face's `BertForSequenceClassification`.
    case pooler
    /// A sentence-transformers pooling of the token states (mean for sentence encoders such as MiniLM).
    case tokens(SentencePooling)
}

/// A BERT encoder with a dropout + linear classification head, for fine-tuning on labelled text.
/// State-dict names are Hugging Face's `BertForSequenceClassification` (`bert.*`, `classifier.*`),
/// so with `.pooler` pooling its checkpoints load as they are.
public final class BertSequenceClassifier: Module {
    /// The encoder (pretrained, typically).
    public let bert: BertModel
    /// Dropout before the head (training only).
    public let dropout: Dropout
    /// hidden → classes.
    public let classifier: Linear
    /// What the head reads.
    public let pooling: BertClassifierPooling

    /// A head of `classes` outputs over `bert`, initialised as PyTorch's `Linear` from `generator`.
    /// `dropout` defaults to the encoder's hidden dropout. `.pooler` needs an encoder with a pooler.
    public init(bert: BertModel, classes: Int, pooling: BertClassifierPooling = .tokens(.mean), dropout: Float? = nil,
                generator: RandomGenerator = .global) {
        require(classes >= 2, "BertSequenceClassifier: need at least 2 classes, got \(classes)")
        require(pooling != .pooler || bert.pooler != nil, "BertSequenceClassifier: .pooler pooling needs an encoder with a pooler")
        self.bert = bert
        self.dropout = Dropout(p: dropout ?? bert.config.hiddenDropout, generator: generator)
        classifier = Linear(bert.config.hiddenSize, classes, generator: generator)
        self.pooling = pooling
        super.init()
    }

    /// Number of classes.
    public var classes: Int { classifier.outFeatures }

    /// The pooled sentence vectors [B, hidden] of `batch` (before dropout and the head).
    public func features(_ batch: BertBatch) -> Tensor {
        recordingCall {
            let out = bert(inputIDs: batch.inputIDs, tokenTypeIDs: batch.tokenTypeIDs, attentionMask: batch.attentionMask)
            switch pooling {
            case .pooler: return out.pooledOutput!
            case .tokens(let mode): return SentenceEmbedder.pool(out.lastHiddenState, mask: batch.attentionMask, mode: mode)
            }
        }
    }

    /// Class logits [B, classes].
    public func callAsFunction(_ batch: BertBatch) -> Tensor {
        recordingCall { classifier(dropout(features(batch))) }
    }
}

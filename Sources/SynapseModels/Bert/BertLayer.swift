import SynapseCore
import SynapseNN

/// Multi-head self-attention of a BERT layer: separate `query`, `key`, `value` projections (Hugging
/// Face's `BertSelfAttention` names), scaled dot-product attention under an additive padding mask.
public final class BertSelfAttention: Module {
    /// Query projection [hidden → hidden].
    public let query: Linear
    /// Key projection.
    public let key: Linear
    /// Value projection.
    public let value: Linear
    /// Dropout on the attention probabilities (training only).
    public let dropout: Dropout
    /// Number of heads.
    public let numHeads: Int

    /// The attention of `config`, initialised as PyTorch's `Linear` (a checkpoint replaces it).
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        query = Linear(config.hiddenSize, config.hiddenSize, generator: generator)
        key = Linear(config.hiddenSize, config.hiddenSize, generator: generator)
        value = Linear(config.hiddenSize, config.hiddenSize, generator: generator)
        dropout = Dropout(p: config.attentionDropout, generator: generator)
        numHeads = config.numHeads
        super.init()
    }

    /// Attended values [B, L, hidden] for `x` [B, L, hidden]; `mask` is additive, [B, 1, 1, L].
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        recordingCall {
            let (b, l, width) = (x.shape[0], x.shape[1], x.shape[2])
            let headWidth = width / numHeads
            func heads(_ t: Tensor) -> Tensor { t.reshaped([b, l, numHeads, headWidth]).permuted([0, 2, 1, 3]) }
            let attended: Tensor
            if !isTraining || dropout.p == 0 {
                attended = scaledDotProductAttention(query: heads(query(x)), key: heads(key(x)), value: heads(value(x)),
                                                     attentionMask: mask)
            } else {
                var scores = matmul(heads(query(x)), heads(key(x)).transposed(-2, -1)) * (1 / Float(headWidth).squareRoot())
                if let mask { scores = scores + mask }
                attended = matmul(dropout(softmax(scores, dim: -1)), heads(value(x)))
            }
            return attended.permuted([0, 2, 1, 3]).reshaped([b, l, width])
        }
    }
}

/// A dense projection, dropout, and a residual LayerNorm: Hugging Face's `BertSelfOutput` and
/// `BertOutput` (names `dense`, `LayerNorm`).
public final class BertResidualOutput: Module {
    /// The projection back to the hidden width.
    public let dense: Linear
    /// Post-norm over projection + residual.
    public let layerNorm: LayerNorm
    /// Dropout on the projection (training only).
    public let dropout: Dropout

    /// A projection from `inFeatures` to the hidden width of `config`.
    public init(_ config: BertConfig, inFeatures: Int, generator: RandomGenerator = .global) {
        dense = Linear(inFeatures, config.hiddenSize, generator: generator)
        layerNorm = LayerNorm([config.hiddenSize], eps: config.layerNormEps)
        dropout = Dropout(p: config.hiddenDropout, generator: generator)
        super.init()
    }

    /// Hugging Face's name `LayerNorm`.
    public override func stateDictName(forProperty name: String) -> String { name == "layerNorm" ? "LayerNorm" : name }

    /// LayerNorm(dropout(dense(x)) + residual).
    public func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor {
        recordingCall { layerNorm(dropout(dense(x)) + residual) }
    }
}

/// Self-attention and its output block (Hugging Face's `BertAttention`: `self`, `output`).
public final class BertAttention: Module {
    /// The attention proper (state-dict name `self`).
    public let selfAttention: BertSelfAttention
    /// Projection, dropout and residual LayerNorm.
    public let output: BertResidualOutput

    /// The attention block of `config`.
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        selfAttention = BertSelfAttention(config, generator: generator)
        output = BertResidualOutput(config, inFeatures: config.hiddenSize, generator: generator)
        super.init()
    }

    /// Hugging Face's name `self` for the attention proper.
    public override func stateDictName(forProperty name: String) -> String { name == "selfAttention" ? "self" : name }

    /// The block's output [B, L, hidden].
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        recordingCall { output(selfAttention(x, mask: mask), residual: x) }
    }
}

/// The feed-forward expansion with its activation (Hugging Face's `BertIntermediate`: `dense`).
public final class BertIntermediate: Module {
    /// hidden → intermediate.
    public let dense: Linear
    let activation: BertActivation

    /// The expansion of `config`.
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        dense = Linear(config.hiddenSize, config.intermediateSize, generator: generator)
        activation = config.activation ?? .gelu
        super.init()
    }

    /// activation(dense(x)).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            switch activation {
            case .gelu: return gelu(dense(x))
            case .geluTanh: return gelu(dense(x), approximate: .tanh)
            case .relu: return dense(x, activation: .relu)
            }
        }
    }
}

/// One post-norm Transformer encoder layer of BERT (Hugging Face's `BertLayer`: `attention`,
/// `intermediate`, `output`).
public final class BertLayer: Module {
    /// Self-attention block.
    public let attention: BertAttention
    /// Feed-forward expansion.
    public let intermediate: BertIntermediate
    /// Feed-forward projection with residual LayerNorm.
    public let output: BertResidualOutput

    /// A layer of `config`.
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        attention = BertAttention(config, generator: generator)
        intermediate = BertIntermediate(config, generator: generator)
        output = BertResidualOutput(config, inFeatures: config.intermediateSize, generator: generator)
        super.init()
    }

    /// The layer's output [B, L, hidden] for `x` [B, L, hidden] under the additive `mask` [B, 1, 1, L].
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        recordingCall {
            let attended = attention(x, mask: mask)
            return output(intermediate(attended), residual: attended)
        }
    }
}

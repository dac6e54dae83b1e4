import SynapseCore

/// The feed-forward activation of a transformer layer (PyTorch `activation='relu'` / `'gelu'`).
public enum TransformerActivation: Sendable {
    /// max(0, x).
    case relu
    /// The exact (erf) GELU.
    case gelu

    func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return SynapseCore.relu(x)
        case .gelu: return SynapseCore.gelu(x)
        }
    }
}

/// One transformer encoder layer (PyTorch `torch.nn.TransformerEncoderLayer`): self-attention and a
/// feed-forward block `linear2(dropout(activation(linear1(x))))`, each with a residual connection and
/// layer normalisation.
///
/// - `normFirst == false` (post-norm, PyTorch's default): x = norm1(x + SA(x)); x = norm2(x + FF(x)).
/// - `normFirst == true` (pre-norm): x = x + SA(norm1(x)); x = x + FF(norm2(x)).
///
/// State-dict names are PyTorch's: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
public final class TransformerEncoderLayer: Module, Layer {
    /// Self-attention (PyTorch `self_attn`).
    public let selfAttention: MultiheadAttention
    /// First feed-forward projection dModel → dimFeedforward.
    public let linear1: Linear
    /// Dropout inside the feed-forward block.
    public let dropout: Dropout
    /// Second feed-forward projection dimFeedforward → dModel.
    public let linear2: Linear
    /// Norm of the attention block.
    public let norm1: LayerNorm
    /// Norm of the feed-forward block.
    public let norm2: LayerNorm
    /// Dropout on the attention block's output.
    public let dropout1: Dropout
    /// Dropout on the feed-forward block's output.
    public let dropout2: Dropout
    /// Feed-forward activation.
    public let activation: TransformerActivation
    /// Pre-norm (true) or post-norm (false).
    public let normFirst: Bool
    /// Whether inputs are [N, S, E] (true) or [S, N, E] (false).
    public let batchFirst: Bool

    /// A layer with PyTorch's defaults and initialisation.
    public init(dModel: Int, numHeads: Int, dimFeedforward: Int = 2048, dropout: Float = 0.1,
                activation: TransformerActivation = .relu, layerNormEps: Float = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false, bias: Bool = true, generator: RandomGenerator = .global) {
        selfAttention = MultiheadAttention(dModel: dModel, numHeads: numHeads, dropout: dropout, bias: bias,
                                           batchFirst: batchFirst, generator: generator)
        linear1 = Linear(dModel, dimFeedforward, bias: bias, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        linear2 = Linear(dimFeedforward, dModel, bias: bias, generator: generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        dropout1 = Dropout(p: dropout, generator: generator)
        dropout2 = Dropout(p: dropout, generator: generator)
        self.activation = activation
        self.normFirst = normFirst
        self.batchFirst = batchFirst
        super.init()
    }

    /// Model width.
    public var dModel: Int { selfAttention.dModel }
    /// Number of attention heads.
    public var numHeads: Int { selfAttention.numHeads }
    /// Width of the feed-forward block.
    public var dimFeedforward: Int { linear1.outFeatures }

    /// Constructor arguments shown by `print(model)`; the defaults PyTorch's repr omits are omitted too.
    public override var extraDescription: String {
        "dModel: \(dModel), numHeads: \(numHeads), dimFeedforward: \(dimFeedforward), dropout: \(dropout.p)"
            + (activation == .relu ? "" : ", activation: \(activation)") + (normFirst ? ", normFirst" : "")
            + (batchFirst ? ", batchFirst" : "")
    }

    /// PyTorch names, in PyTorch's order.
    public override func namedChildren() -> [(String, Module)] {
        [("self_attn", selfAttention), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    /// timm's block names for the same tensors, so a timm Vision Transformer's checkpoint loads
    /// as it is: `attn.qkv` (q, k and v stacked, as `in_proj_*`), `attn.proj` (`out_proj`),
    /// `mlp.fc1` / `mlp.fc2` (`linear1` / `linear2`); `norm1` and `norm2` already agree.
    static let timmBlockNames = [("attn.qkv.weight", "self_attn.in_proj_weight"), ("attn.qkv.bias", "self_attn.in_proj_bias"),
                                 ("attn.proj.weight", "self_attn.out_proj.weight"), ("attn.proj.bias", "self_attn.out_proj.bias"),
                                 ("mlp.fc1.weight", "linear1.weight"), ("mlp.fc1.bias", "linear1.bias"),
                                 ("mlp.fc2.weight", "linear2.weight"), ("mlp.fc2.bias", "linear2.bias")]

    /// Renames a timm `Block`'s entries (see `timmBlockNames`) to this layer's when its own are absent.
    public override func adaptStateDict(_ state: inout [String: Tensor], prefix: String) {
        for (timm, own) in Self.timmBlockNames where state[prefix + own] == nil {
            if let t = state.removeValue(forKey: prefix + timm) { state[prefix + own] = t }
        }
    }

    /// Encodes `src` without masks.
    public func callAsFunction(_ src: Tensor) -> Tensor { callAsFunction(src, mask: nil) }

    /// Encodes `src` ([N, S, E] with `batchFirst`, else [S, N, E]; or unbatched [S, E]).
    ///
    /// - Parameters:
    ///   - mask: additive [S, S] (or [N·numHeads, S, S]) attention mask (PyTorch `src_mask`).
    ///   - keyPaddingMask: additive [N, S] mask (PyTorch `src_key_padding_mask`).
    ///   - isCausal: apply the causal mask when `mask` is nil.
    public func callAsFunction(_ src: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        recordingCall {
            require((src.rank == 3 || src.rank == 2) && src.shape.last == dModel,
                         "TransformerEncoderLayer(dModel: \(dModel)): expected src [\(batchFirst ? "N, S" : "S, N"), \(dModel)] or [S, \(dModel)], got \(src.shape)")
            func sa(_ x: Tensor) -> Tensor {
                dropout1(selfAttention(x, x, x, keyPaddingMask: keyPaddingMask, attentionMask: mask, needWeights: false,
                                       isCausal: isCausal).output)
            }
            func ff(_ x: Tensor) -> Tensor { dropout2(linear2(dropout(activation.apply(linear1(x))))) }
            var x = src
            if normFirst {
                x = x + sa(norm1(x))
                x = x + ff(norm2(x))
            } else {
                x = norm1(x + sa(x))
                x = norm2(x + ff(x))
            }
            return x
        }
    }
}

extension TransformerEncoderLayer {
    /// A layer with the model width and head count given positionally, as PyTorch users write
    /// `nn.TransformerEncoderLayer(512, 8)`.
    public convenience init(_ dModel: Int, _ numHeads: Int, dimFeedforward: Int = 2048, dropout: Float = 0.1,
                            activation: TransformerActivation = .relu, layerNormEps: Float = 1e-5,
                            batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                            generator: RandomGenerator = .global) {
        self.init(dModel: dModel, numHeads: numHeads, dimFeedforward: dimFeedforward, dropout: dropout,
                  activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst,
                  bias: bias, generator: generator)
    }

    /// The spelling before the head count was called `numHeads` everywhere.
    @available(*, deprecated, renamed: "init(dModel:numHeads:dimFeedforward:dropout:activation:layerNormEps:batchFirst:normFirst:bias:generator:)")
    public convenience init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Float = 0.1,
                            activation: TransformerActivation = .relu, layerNormEps: Float = 1e-5,
                            batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                            generator: RandomGenerator = .global) {
        self.init(dModel: dModel, numHeads: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                  activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst,
                  bias: bias, generator: generator)
    }
}

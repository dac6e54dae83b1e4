import SynapseCore

/// One transformer decoder layer (PyTorch `torch.nn.TransformerDecoderLayer`): self-attention over
/// the target, cross-attention to the encoder's `memory`, and a feed-forward block, each with a
/// residual connection and layer normalisation.
///
/// - `normFirst == false` (post-norm): x = norm1(x + SA(x)); x = norm2(x + CA(x, memory)); x = norm3(x + FF(x)).
/// - `normFirst == true` (pre-norm): x = x + SA(norm1(x)); x = x + CA(norm2(x), memory); x = x + FF(norm3(x)).
///
/// State-dict names are PyTorch's: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`,
/// `norm1.*`, `norm2.*`, `norm3.*`.
public final class TransformerDecoderLayer: Module {
    /// Self-attention over the target (PyTorch `self_attn`).
    public let selfAttention: MultiheadAttention
    /// Cross-attention to the memory (PyTorch `multihead_attn`).
    public let crossAttention: MultiheadAttention
    /// First feed-forward projection dModel → dimFeedforward.
    public let linear1: Linear
    /// Dropout inside the feed-forward block.
    public let dropout: Dropout
    /// Second feed-forward projection dimFeedforward → dModel.
    public let linear2: Linear
    /// Norm of the self-attention block.
    public let norm1: LayerNorm
    /// Norm of the cross-attention block.
    public let norm2: LayerNorm
    /// Norm of the feed-forward block.
    public let norm3: LayerNorm
    /// Dropout on the self-attention output.
    public let dropout1: Dropout
    /// Dropout on the cross-attention output.
    public let dropout2: Dropout
    /// Dropout on the feed-forward output.
    public let dropout3: Dropout
    /// Feed-forward activation.
    public let activation: TransformerActivation
    /// Pre-norm (true) or post-norm (false).
    public let normFirst: Bool
    /// Whether inputs are [N, T, E] (true) or [T, N, E] (false).
    public let batchFirst: Bool

    /// A layer with PyTorch's defaults and initialisation.
    public init(dModel: Int, numHeads: Int, dimFeedforward: Int = 2048, dropout: Float = 0.1,
                activation: TransformerActivation = .relu, layerNormEps: Float = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false, bias: Bool = true, generator: RandomGenerator = .global) {
        selfAttention = MultiheadAttention(dModel: dModel, numHeads: numHeads, dropout: dropout, bias: bias,
                                           batchFirst: batchFirst, generator: generator)
        crossAttention = MultiheadAttention(dModel: dModel, numHeads: numHeads, dropout: dropout, bias: bias,
                                            batchFirst: batchFirst, generator: generator)
        linear1 = Linear(dModel, dimFeedforward, bias: bias, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        linear2 = Linear(dimFeedforward, dModel, bias: bias, generator: generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm3 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        dropout1 = Dropout(p: dropout, generator: generator)
        dropout2 = Dropout(p: dropout, generator: generator)
        dropout3 = Dropout(p: dropout, generator: generator)
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
        [("self_attn", selfAttention), ("multihead_attn", crossAttention), ("linear1", linear1), ("dropout", dropout),
         ("linear2", linear2), ("norm1", norm1), ("norm2", norm2), ("norm3", norm3),
         ("dropout1", dropout1), ("dropout2", dropout2), ("dropout3", dropout3)]
    }

    /// Decodes `tgt` ([N, T, E] with `batchFirst`, else [T, N, E]; or unbatched [T, E]) attending to
    /// `memory` ([N, S, E] / [S, N, E] / [S, E]).
    ///
    /// - Parameters:
    ///   - tgtMask: additive [T, T] self-attention mask (PyTorch `tgt_mask`; convert a boolean one
    ///     with `attentionMask(blocking:)`).
    ///   - memoryMask: additive [T, S] cross-attention mask.
    ///   - tgtKeyPaddingMask: additive [N, T] mask.
    ///   - memoryKeyPaddingMask: additive [N, S] mask.
    ///   - tgtIsCausal: apply the causal self-attention mask when `tgtMask` is nil.
    ///   - memoryIsCausal: apply the causal cross-attention mask when `memoryMask` is nil.
    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        recordingCall {
            let name = "TransformerDecoderLayer(dModel: \(dModel))"
            require((tgt.rank == 3 || tgt.rank == 2) && tgt.shape.last == dModel,
                         "\(name): expected tgt [\(batchFirst ? "N, T" : "T, N"), \(dModel)] or [T, \(dModel)], got \(tgt.shape)")
            require(memory.rank == tgt.rank && memory.shape.last == dModel,
                         "\(name): expected memory of rank \(tgt.rank) ending in \(dModel), got \(memory.shape)")
            func sa(_ x: Tensor) -> Tensor {
                dropout1(selfAttention(x, x, x, keyPaddingMask: tgtKeyPaddingMask, attentionMask: tgtMask,
                                       needWeights: false, isCausal: tgtIsCausal).output)
            }
            func ca(_ x: Tensor) -> Tensor {
                dropout2(crossAttention(x, memory, memory, keyPaddingMask: memoryKeyPaddingMask, attentionMask: memoryMask,
                                        needWeights: false, isCausal: memoryIsCausal).output)
            }
            func ff(_ x: Tensor) -> Tensor { dropout3(linear2(dropout(activation.apply(linear1(x))))) }
            var x = tgt
            if normFirst {
                x = x + sa(norm1(x))
                x = x + ca(norm2(x))
                x = x + ff(norm3(x))
            } else {
                x = norm1(x + sa(x))
                x = norm2(x + ca(x))
                x = norm3(x + ff(x))
            }
            return x
        }
    }
}

extension TransformerDecoderLayer {
    /// A layer with the model width and head count given positionally, as PyTorch users write
    /// `nn.TransformerDecoderLayer(512, 8)`.
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

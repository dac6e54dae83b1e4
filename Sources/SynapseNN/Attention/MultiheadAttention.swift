import Foundation
import SynapseCore

/// Multi-head attention (PyTorch `torch.nn.MultiheadAttention` with `kdim = vdim = dModel`, no
/// `add_bias_kv`, no `add_zero_attn`).
///
/// The query, key and value are projected with the rows of one packed matrix
/// `in_proj_weight` = [W_q; W_k; W_v] ([3E, E]) and `in_proj_bias` ([3E]), split into `numHeads`
/// heads of size E / numHeads, attended with scale 1/√(E / numHeads), concatenated and projected by
/// `out_proj` (a `Linear(E, E)`). State-dict names are PyTorch's: `in_proj_weight`, `in_proj_bias`,
/// `out_proj.weight`, `out_proj.bias`.
///
/// Masks are **additive float masks** (0 keeps, −∞ forbids; see `attentionMask(blocking:)` to
/// convert PyTorch's boolean masks, where true = may not attend).
public final class MultiheadAttention: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "dModel: \(dModel), numHeads: \(numHeads)" + (inProjBias == nil ? ", bias: false" : "") + (batchFirst ? ", batchFirst" : "") }

    /// Model width E (PyTorch's `embed_dim`; `dModel` as in the Transformer layers).
    public let dModel: Int
    /// Number of heads (divides `dModel`).
    public let numHeads: Int
    /// Whether inputs are [N, L, E] (true) or [L, N, E] (false, PyTorch's default).
    public let batchFirst: Bool
    /// Packed input projection [3E, E] (PyTorch `in_proj_weight`).
    public let inProjWeight: Parameter
    /// Packed input projection bias [3E] (PyTorch `in_proj_bias`), or nil without bias.
    public let inProjBias: Parameter?
    /// Output projection (PyTorch `out_proj`).
    public let outProj: Linear
    /// Dropout on the attention probabilities (training mode only).
    public let attentionDropout: Dropout

    /// Size of one head, E / numHeads.
    public var headDim: Int { dModel / numHeads }

    /// A layer with PyTorch's initialisation: `in_proj_weight` Xavier-uniform, `in_proj_bias` and
    /// `out_proj.bias` zero, `out_proj.weight` as `Linear`.
    public init(dModel: Int, numHeads: Int, dropout: Float = 0, bias: Bool = true, batchFirst: Bool = false,
                generator: RandomGenerator = .global) {
        require(dModel > 0 && numHeads > 0 && dModel % numHeads == 0,
                     "MultiheadAttention: dModel (\(dModel)) must be a positive multiple of numHeads (\(numHeads))")
        self.dModel = dModel
        self.numHeads = numHeads
        self.batchFirst = batchFirst
        inProjWeight = Parameter(Init.xavierUniform([3 * dModel, dModel], generator: generator))
        inProjBias = bias ? Parameter(Tensor.zeros([3 * dModel])) : nil
        outProj = Linear(dModel, dModel, bias: bias, generator: generator)
        if let b = outProj.bias { b.value = Tensor.zeros([dModel]) }
        attentionDropout = Dropout(p: dropout, generator: generator)
        super.init()
    }

    /// PyTorch names: `in_proj_weight`, `in_proj_bias`.
    public override func namedLocalParameters() -> [(String, Parameter)] {
        [("in_proj_weight", inProjWeight)] + (inProjBias.map { [("in_proj_bias", $0)] } ?? [])
    }

    /// Accepts the input projection as PyTorch's separate `q_proj_weight`, `k_proj_weight` and
    /// `v_proj_weight` (what `nn.MultiheadAttention` saves when `kdim`/`vdim` differ from
    /// `embed_dim`; each [E, E] here) and, for mapped Hugging Face checkpoints, separate
    /// `q_proj_bias`/`k_proj_bias`/`v_proj_bias`: the three are packed into `in_proj_weight` /
    /// `in_proj_bias` when the packed entry is absent.
    public override func adaptStateDict(_ state: inout [String: Tensor], prefix: String) {
        for (packed, part) in [("in_proj_weight", "weight"), ("in_proj_bias", "bias")] {
            let names = ["q", "k", "v"].map { prefix + $0 + "_proj_" + part }
            guard state[prefix + packed] == nil, let q = state[names[0]], let k = state[names[1]], let v = state[names[2]],
                  q.shape.dropFirst() == k.shape.dropFirst(), q.shape.dropFirst() == v.shape.dropFirst() else { continue }
            state[prefix + packed] = Tensor.cat([q, k, v], dim: 0)
            for name in names { state[name] = nil }
        }
    }

    /// PyTorch names: `out_proj` (the dropout holds no state).
    public override func namedChildren() -> [(String, Module)] {
        [("out_proj", outProj), ("dropout", attentionDropout)]
    }

    /// Attends `query` to `key`/`value`.
    ///
    /// - Parameters:
    ///   - query: [N, L, E] with `batchFirst`, else [L, N, E]; or unbatched [L, E].
    ///   - key: [N, S, E] / [S, N, E] / [S, E].
    ///   - value: same shape as `key`.
    ///   - keyPaddingMask: additive [N, S] (or [S] unbatched) mask on the keys.
    ///   - attentionMask: additive [L, S] mask, or [N·numHeads, L, S] per batch element and head
    ///     (PyTorch's layout).
    ///   - needWeights: also return the attention probabilities.
    ///   - averageAttentionWeights: average the returned probabilities over heads ([N, L, S]);
    ///     otherwise they are [N, numHeads, L, S].
    ///   - isCausal: when `attentionMask` is nil, apply the causal mask (key j > query i forbidden);
    ///     with a mask given it is only a hint, as in PyTorch, and the mask is used.
    /// - Returns: the output (shaped like `query`) and the weights (nil unless `needWeights`).
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil, needWeights: Bool = true,
                               averageAttentionWeights: Bool = true, isCausal: Bool = false) -> (output: Tensor, weights: Tensor?) {
        recordingCall {
            let name = "MultiheadAttention(dModel: \(dModel), numHeads: \(numHeads))"
            let e = dModel, h = numHeads, d = headDim
            let batched = query.rank == 3
            require((query.rank == 3 || query.rank == 2) && query.shape.last == e,
                         "\(name): expected query [\(batchFirst ? "N, L" : "L, N"), \(e)] or [L, \(e)], got \(query.shape)")
            require(key.rank == query.rank && key.shape.last == e,
                         "\(name): expected key of rank \(query.rank) ending in \(e), got \(key.shape)")
            require(value.shape == key.shape, "\(name): expected value of the key's shape \(key.shape), got \(value.shape)")
            // Bring everything to [N, T, E].
            func toBatchFirst(_ t: Tensor) -> Tensor { batched ? (batchFirst ? t : t.transposed(0, 1)) : t.unsqueezed(0) }
            let q0 = toBatchFirst(query), k0 = toBatchFirst(key), v0 = toBatchFirst(value)
            let n = q0.shape[0], l = q0.shape[1], s = k0.shape[1]
            require(k0.shape[0] == n, "\(name): query batch \(n) and key batch \(k0.shape[0]) differ (query \(query.shape), key \(key.shape))")

            let w = inProjWeight.value, b = inProjBias?.value
            func project(_ x: Tensor, _ i: Int) -> Tensor {
                let y = linear(x, weight: w.slice(dim: 0, start: i * e, end: (i + 1) * e),
                               bias: b?.slice(dim: 0, start: i * e, end: (i + 1) * e))
                return y.reshaped([n, x.shape[1], h, d]).permuted(0, 2, 1, 3)   // [N, H, T, D]
            }
            let q = project(q0, 0), k = project(k0, 1), v = project(v0, 2)

            var mask: Tensor? = nil
            // Causal without other masks takes attention's fused causal softmax; with a key padding mask
            // the causal mask is built and added like any other.
            let fusedCausal = attentionMask == nil && isCausal && keyPaddingMask == nil
            if let attentionMask {
                if attentionMask.rank == 2 {
                    require(attentionMask.shape == [l, s], "\(name): expected attentionMask [\(l), \(s)], got \(attentionMask.shape)")
                    mask = attentionMask
                } else {
                    require(attentionMask.shape == [n * h, l, s],
                                 "\(name): expected attentionMask [\(l), \(s)] or [\(n * h), \(l), \(s)], got \(attentionMask.shape)")
                    mask = attentionMask.reshaped([n, h, l, s])
                }
            } else if isCausal && !fusedCausal {
                mask = causalAttentionMask(queryLength: l, keyLength: s)
            }
            if let keyPaddingMask {
                let expected = batched ? [n, s] : [s]
                require(keyPaddingMask.shape == expected, "\(name): expected keyPaddingMask \(expected), got \(keyPaddingMask.shape)")
                let padding = keyPaddingMask.reshaped([n, 1, 1, s])
                mask = mask.map { $0 + padding } ?? padding
            }

            let dropout = attentionDropout
            let (attended, weights) = attentionCore(query: q, key: k, value: v, attentionMask: mask, isCausal: fusedCausal,
                                                    scale: 1 / Float(d).squareRoot(), op: name,
                                                    dropout: isTraining && dropout.p > 0 ? { dropout($0) } : nil)
            // [N, H, L, D] → [N, L, E] → out_proj.
            var output = outProj(attended.permuted(0, 2, 1, 3).reshaped([n, l, e]))
            output = batched ? (batchFirst ? output : output.transposed(0, 1)) : output.squeezed(0)
            guard needWeights else { return (output, nil) }
            var returned = averageAttentionWeights ? weights.mean(dim: 1) : weights
            if !batched { returned = returned.squeezed(0) }
            return (output, returned)
        }
    }
}

extension MultiheadAttention {
    /// A layer with the model width and head count given positionally, as PyTorch users write
    /// `nn.MultiheadAttention(64, 8)`.
    public convenience init(_ dModel: Int, _ numHeads: Int, dropout: Float = 0, bias: Bool = true,
                            batchFirst: Bool = false, generator: RandomGenerator = .global) {
        self.init(dModel: dModel, numHeads: numHeads, dropout: dropout, bias: bias, batchFirst: batchFirst,
                  generator: generator)
    }

    /// The spelling before the model width was called `dModel` everywhere.
    @available(*, deprecated, renamed: "init(dModel:numHeads:dropout:bias:batchFirst:generator:)")
    public convenience init(embedDim: Int, numHeads: Int, dropout: Float = 0, bias: Bool = true, batchFirst: Bool = false,
                            generator: RandomGenerator = .global) {
        self.init(dModel: embedDim, numHeads: numHeads, dropout: dropout, bias: bias, batchFirst: batchFirst,
                  generator: generator)
    }

    /// The model width under its old name.
    @available(*, deprecated, renamed: "dModel")
    public var embedDim: Int { dModel }
}

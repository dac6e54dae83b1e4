import Foundation
import SynapseCore

// Attention masks in Synapse
// --------------------------
// Every `Tensor` attention mask taken by `scaledDotProductAttention`, `MultiheadAttention` and the
// transformer layers is an **additive float mask**, exactly PyTorch's float-mask semantics: it is
// added to the attention scores before the softmax, so 0 leaves a score unchanged and −∞ forbids
// the position (finite values bias it). Boolean masks, which PyTorch interprets differently per
// API, are converted explicitly with the helpers below:
//
// - `attentionMask(blocking:)`: non-zero = may NOT attend (PyTorch `nn.MultiheadAttention`,
//   `nn.Transformer*` `*_mask` / `*_key_padding_mask` bool semantics) → −∞ / 0;
// - `attentionMask(allowing:)`: non-zero = may attend (PyTorch
//   `F.scaled_dot_product_attention` bool `attn_mask` semantics) → 0 / −∞;
// - `causalAttentionMask(queryLength:keyLength:)`: −∞ above the diagonal (key j > query i).
//
// A query row whose keys are all forbidden gives NaN, as in PyTorch.

/// An additive attention mask from a boolean mask in which **non-zero means "may not attend"**
/// (the convention of PyTorch's `nn.MultiheadAttention` and `nn.Transformer*` boolean masks):
/// non-zero → −∞, zero → 0. The shape is kept.
public func attentionMask(blocking mask: IntTensor) -> Tensor {
    Tensor(shape: mask.shape, scalars: mask.scalars.map { $0 != 0 ? -Float.infinity : 0 })
}

/// An additive attention mask from a 0/1 float tensor in which **non-zero means "may not attend"**:
/// non-zero → −∞, zero → 0.
public func attentionMask(blocking mask: Tensor) -> Tensor {
    Tensor(shape: mask.shape, scalars: mask.scalars.map { $0 != 0 ? -Float.infinity : 0 })
}

/// An additive attention mask from a boolean mask in which **non-zero means "may attend"** (the
/// convention of PyTorch's `F.scaled_dot_product_attention` boolean `attn_mask`): non-zero → 0,
/// zero → −∞. The shape is kept.
public func attentionMask(allowing mask: IntTensor) -> Tensor {
    Tensor(shape: mask.shape, scalars: mask.scalars.map { $0 != 0 ? 0 : -Float.infinity })
}

/// The additive causal mask [queryLength, keyLength]: 0 where key j ≤ query i, −∞ where j > i
/// (top-left aligned, as PyTorch's `is_causal=True`).
public func causalAttentionMask(queryLength: Int, keyLength: Int) -> Tensor {
    require(queryLength >= 0 && keyLength >= 0,
                 "causalAttentionMask: lengths must be non-negative, got \(queryLength) × \(keyLength)")
    return Tensor(shape: [queryLength, keyLength]) { b in
        for i in 0..<queryLength {
            for j in 0..<keyLength { b[i * keyLength + j] = j > i ? -Float.infinity : 0 }
        }
    }
}

/// Scaled dot-product attention (PyTorch `F.scaled_dot_product_attention` without dropout):
///
///     softmax(query · keyᵀ · scale + mask) · value
///
/// - Parameters:
///   - query: [..., L, E].
///   - key: [..., S, E].
///   - value: [..., S, Ev].
///   - attentionMask: an **additive** float mask broadcastable to [..., L, S] (0 keeps a score, −∞
///     forbids it; PyTorch float-mask semantics). Build one from a boolean mask with
///     `attentionMask(allowing:)` (PyTorch SDPA bool convention, true = attend) or
///     `attentionMask(blocking:)` (true = may not attend).
///   - isCausal: also forbid key j > query i (top-left aligned causal mask).
///   - scale: the score scale; 1/√E when nil.
/// - Returns: [..., L, Ev]; leading dimensions of the three inputs broadcast as in `matmul`.
///
/// Differentiable in query, key, value (and a mask that requires gradients). Stops with a message
/// naming the op and the shapes when the inputs do not fit.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attentionMask: Tensor? = nil,
                                      isCausal: Bool = false, scale: Float? = nil) -> Tensor {
    attentionCore(query: query, key: key, value: value, attentionMask: attentionMask, isCausal: isCausal,
                  scale: scale, op: "scaledDotProductAttention").output
}

/// The shared attention computation: returns the output and the attention probabilities
/// [..., L, S] (after masking and softmax).
func attentionCore(query: Tensor, key: Tensor, value: Tensor, attentionMask: Tensor?, isCausal: Bool,
                   scale: Float?, op: String, dropout: ((Tensor) -> Tensor)? = nil) -> (output: Tensor, weights: Tensor) {
    require(query.rank >= 2 && key.rank >= 2 && value.rank >= 2,
                 "\(op): query, key and value must have rank ≥ 2 ([..., L, E]), got \(query.shape), \(key.shape), \(value.shape)")
    let e = query.shape[query.rank - 1], l = query.shape[query.rank - 2], s = key.shape[key.rank - 2]
    require(key.shape[key.rank - 1] == e,
                 "\(op): key must be [..., S, \(e)] to match query \(query.shape), got \(key.shape)")
    require(value.shape[value.rank - 2] == s,
                 "\(op): value must be [..., \(s), Ev] to match key \(key.shape), got \(value.shape)")
    let scale = scale ?? 1 / Float(e).squareRoot()
    if isCausal && attentionMask == nil {
        // Scale, causal mask and softmax as one fused op (no mask tensor, one pass each way).
        var weights = causalSoftmax(matmul(query, key.transposed(-2, -1)), scale: scale)
        if let dropout { weights = dropout(weights) }
        return (matmul(weights, value), weights)
    }
    var scores = matmul(query, key.transposed(-2, -1)) * scale
    if let attentionMask {
        let m = attentionMask.shape
        let fits = m.count <= scores.rank && zip(m.reversed(), scores.shape.reversed()).allSatisfy { $0 == 1 || $0 == $1 }
        require(fits, "\(op): attention mask \(m) does not broadcast to the scores [..., \(l), \(s)] \(scores.shape)")
        scores = scores + attentionMask
    }
    if isCausal { scores = scores + causalAttentionMask(queryLength: l, keyLength: s) }
    var weights = softmax(scores, dim: -1)
    if let dropout { weights = dropout(weights) }
    return (matmul(weights, value), weights)
}

import SynapseCore

/// A low-rank adapter of one `Linear` layer (Hu et al. 2021, as Hugging Face `peft` implements it):
/// the layer computes W·x + b + (alpha/r)·B·A·dropout(x) with A [r, in] initialised like
/// `nn.Linear` (Kaiming-uniform, a = √5) and B [out, r] zero, so a fresh adapter changes nothing.
/// Attach adapters with `Module.applyLoRA(_:)`; `merge()` folds B·A into W for inference.
public final class LoRAAdapter {
    /// A: in → r (state-dict name `lora_A`).
    public let down: Linear
    /// B: r → out (state-dict name `lora_B`), zero at creation.
    public let up: Linear
    /// Dropout on the adapter's input (training only).
    public let dropout: Dropout
    /// The rank r.
    public let rank: Int
    /// The scaling numerator alpha (the update is scaled by alpha / r).
    public let alpha: Double
    /// Whether B·A is currently folded into the base weight.
    public internal(set) var isMerged = false

    /// An adapter for a layer of `inFeatures` → `outFeatures`.
    public init(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Double, dropout: Float = 0,
                generator: RandomGenerator = .global) {
        require(rank >= 1, "LoRAAdapter: rank must be at least 1, got \(rank)")
        down = Linear(inFeatures, rank, bias: false, generator: generator)
        up = Linear(rank, outFeatures, bias: false, generator: generator)
        up.weight.value = Tensor.zeros([outFeatures, rank])
        self.dropout = Dropout(p: dropout, generator: generator)
        self.rank = rank
        self.alpha = alpha
    }

    /// alpha / r.
    public var scale: Float { Float(alpha / Double(rank)) }

    /// The adapter's contribution (alpha/r)·B·A·dropout(x) for `x` [..., in].
    public func delta(_ x: Tensor) -> Tensor { up(down(dropout(x))) * scale }

    /// (alpha/r)·B·A [out, in], the change merging makes to the base weight.
    public func weightDelta() -> Tensor {
        withoutGradients { matmul(up.weight.value, down.weight.value) * scale }
    }
}

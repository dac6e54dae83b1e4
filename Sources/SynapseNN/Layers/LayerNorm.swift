import SynapseCore

/// Layer normalisation over the trailing `normalizedShape` dimensions (PyTorch
/// `torch.nn.functional.layer_norm`):
///
///     y = (x − E[x]) / √(Var[x] + eps) · weight + bias
///
/// where the mean and the biased variance (divided by N, not N − 1) are taken over the last
/// `normalizedShape.count` dimensions of `x`. `weight` and `bias` (when given) have shape
/// `normalizedShape`. Differentiable in `x`, `weight` and `bias`.
///
/// Stops with a message naming `layerNorm`, the expected trailing shape and the actual shape when
/// `x` does not end in `normalizedShape`.
public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                      eps: Float = 1e-5) -> Tensor {
    let k = normalizedShape.count
    require(k >= 1, "layerNorm: normalizedShape must not be empty")
    require(x.rank >= k && Array(x.shape.suffix(k)) == normalizedShape,
                 "layerNorm: expected input [..., \(normalizedShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
    if let weight {
        require(weight.shape == normalizedShape, "layerNorm: weight has shape \(weight.shape), expected \(normalizedShape)")
    }
    if let bias {
        require(bias.shape == normalizedShape, "layerNorm: bias has shape \(bias.shape), expected \(normalizedShape)")
    }
    // One fused kernel (forward and backward) over rows of the flattened normalised dimensions.
    return layerNormRows(x, cols: normalizedShape.reduce(1, *), weight: weight, bias: bias, eps: eps)
}

/// The composite form of `layerNorm` from primitive ops (mean, subtraction, variance, division),
/// kept as the reference the fused kernel is tested against.
func layerNormComposite(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                        eps: Float = 1e-5) -> Tensor {
    let k = normalizedShape.count
    let dims = Array((x.rank - k)..<x.rank)
    let centered = x - x.mean(dims: dims, keepdim: true)
    let variance = square(centered).mean(dims: dims, keepdim: true)
    var y = centered / sqrt(variance + eps)
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
}

/// Layer normalisation module (PyTorch `torch.nn.LayerNorm`): normalises the trailing
/// `normalizedShape` dimensions of its input to zero mean and unit (biased) variance, then applies
/// the learned element-wise affine transform.
///
/// Parameters (PyTorch state-dict names): `weight` (initialised to ones) and `bias` (zeros), both of
/// shape `normalizedShape`; absent when `elementwiseAffine` is false (`bias` also when `bias` is false).
public final class LayerNorm: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(normalizedShape), eps: \(eps)" + (weight == nil ? ", elementwiseAffine: false" : "") }

    /// The trailing dimensions normalised over.
    public let normalizedShape: [Int]
    /// Added to the variance for numerical stability.
    public let eps: Float
    /// Element-wise scale of shape `normalizedShape`, or nil without affine parameters.
    public let weight: Parameter?
    /// Element-wise shift of shape `normalizedShape`, or nil.
    public let bias: Parameter?

    /// A layer normalising over the trailing dimensions `normalizedShape`.
    public init(_ normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        require(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
                     "LayerNorm: normalizedShape must be non-empty and positive, got \(normalizedShape)")
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Parameter(Tensor.ones(normalizedShape)) : nil
        self.bias = elementwiseAffine && bias ? Parameter(Tensor.zeros(normalizedShape)) : nil
        super.init()
    }

    /// A layer normalising over the last dimension, of size `normalizedShape`.
    public convenience init(_ normalizedShape: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init([normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    /// Normalises `x` of shape [..., normalizedShape].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let k = normalizedShape.count
        require(x.rank >= k && Array(x.shape.suffix(k)) == normalizedShape,
                     "LayerNorm(\(normalizedShape)): expected input [..., \(normalizedShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
        return layerNorm(x, normalizedShape: normalizedShape, weight: weight?.value, bias: bias?.value, eps: eps)
    }
}

extension LayerNorm {
    /// The fully labelled form with PyTorch's parameter name, `LayerNorm(normalizedShape: [8, 16])`.
    public convenience init(normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init(normalizedShape, eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    /// The fully labelled form for the last dimension only, `LayerNorm(normalizedShape: 64)`.
    public convenience init(normalizedShape: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init(normalizedShape, eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }
}

import SynapseCore

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
        recordingCall {
            let k = normalizedShape.count
            require(x.rank >= k && Array(x.shape.suffix(k)) == normalizedShape,
                         "LayerNorm(\(normalizedShape)): expected input [..., \(normalizedShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
            return layerNorm(x, normalizedShape: normalizedShape, weight: weight?.value, bias: bias?.value, eps: eps)
        }
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

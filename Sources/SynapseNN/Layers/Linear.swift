import SynapseCore

/// A fully connected layer y = x·Wᵀ + b (PyTorch `nn.Linear`).
///
/// `weight` is [outFeatures, inFeatures] and `bias` [outFeatures], as in PyTorch's state dict.
/// Default initialisation matches PyTorch: weight Kaiming-uniform with a = √5 (U(±1/√in)), bias U(±1/√in).
public final class Linear: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(inFeatures) → \(outFeatures)" + (bias == nil ? ", bias: false" : ", bias") }

    /// [outFeatures, inFeatures].
    public let weight: Parameter
    /// [outFeatures], or nil without bias.
    public let bias: Parameter?
    /// The low-rank adapter `applyLoRA` attached, or nil. Its matrices are the children `lora_A`
    /// and `lora_B` (peft's names), so the base `weight`/`bias` names stay those of the checkpoint.
    public internal(set) var lora: LoRAAdapter?
    /// The layer's int8 form, or nil for a float layer. While set, the layer computes with int8
    /// weights and quantized inputs in evaluation mode (`quantizedLinear`); `quantizeDynamic()`,
    /// `quantizeStatic(…)` and loading an int8 file set it, `dequantize()` removes it.
    public internal(set) var quantization: LinearQuantization?
    /// Collects input statistics while `quantizeStatic` calibrates (nil otherwise).
    var calibration: CalibrationRecorder?
    /// Quantization-aware training: while set (`prepareQuantizationAwareTraining()`), weights and
    /// inputs are fake-quantized in every forward pass.
    public internal(set) var fakeQuantization: FakeQuantization?
    /// `.bfloat16` after `castToBFloat16()` (`.float16` after `castToFloat16()`), or loading such a file:
    /// the layer's products run under `autocast` at that precision whatever the caller's, and `save`
    /// stores its weight and bias as BF16 (F16).
    public internal(set) var computePrecision: ComputePrecision = .float32

    /// A layer from `inFeatures` to `outFeatures`, initialised like PyTorch.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        require(inFeatures > 0 && outFeatures > 0, "Linear: feature counts must be positive, got \(inFeatures) → \(outFeatures)")
        weight = Parameter(Init.kaimingUniform([outFeatures, inFeatures], a: Float(5).squareRoot(), generator: generator))
        let bound = 1 / Float(inFeatures).squareRoot()
        self.bias = bias ? Parameter(Init.uniform([outFeatures], low: -bound, high: bound, generator: generator)) : nil
        super.init()
    }

    /// Input features.
    public var inFeatures: Int { weight.shape[1] }
    /// Output features.
    public var outFeatures: Int { weight.shape[0] }

    /// Applies the layer to `x` of shape [..., inFeatures].
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, activation: .none) }

    /// Applies the layer followed by `activation` (fused where a kernel can do both in one pass).
    public func callAsFunction(_ x: Tensor, activation: LinearActivation) -> Tensor {
        if computePrecision != .float32 && Autocast.precision != computePrecision && quantization == nil {
            return autocast(computePrecision) { callAsFunction(x, activation: activation) }
        }
        return recordingCall {
            require(x.rank >= 1 && x.shape.last == inFeatures,
                         "Linear(\(inFeatures) → \(outFeatures)): expected input [..., \(inFeatures)], got \(x.shape)")
            calibration?.observe(x)
            if let quantization {
                require(!isTraining, "Linear(\(inFeatures) → \(outFeatures)): an int8 layer runs inference only; call eval() "
                        + "before using it, or dequantize() to train the float weights")
                return quantizedLinear(x, weights: quantization.weights(for: weight.value), bias: bias?.value,
                                       input: quantization.input, activation: activation)
            }
            if let fakeQuantization {
                let input = fakeQuantization.inputQuantization(observing: x.detached(), training: isTraining)
                let w = weight.value
                let scales = perChannelSymmetricScales(w.detached())
                return linear(input.map { fakeQuantize(x, $0) } ?? x, weight: fakeQuantizePerChannel(w, scales: scales),
                              bias: bias?.value, activation: activation)
            }
            guard let lora, !lora.isMerged else {
                return linear(x, weight: weight.value, bias: bias?.value, activation: activation)
            }
            // peft's LoRA forward: base(x) + B(A(dropout(x)))·(alpha/r), the activation after the sum.
            let y = linear(x, weight: weight.value, bias: bias?.value) + lora.delta(x)
            return activation == .relu ? relu(y) : y
        }
    }

    /// True when the forward pass is exactly `linear(x, weight:, bias:)` in Float32: no unmerged
    /// adapter, quantization, fake quantization, calibration or other compute precision.
    var computesPlainLinear: Bool {
        computePrecision == .float32 && quantization == nil && fakeQuantization == nil && calibration == nil
            && (lora.map { $0.isMerged } ?? true)
    }

    /// The stored sub-modules plus an attached adapter's `lora_A`, `lora_B` and `lora_dropout`.
    public override func namedChildren() -> [(String, Module)] {
        guard let lora else { return super.namedChildren() }
        return super.namedChildren() + [("lora_dropout", lora.dropout), ("lora_A", lora.down), ("lora_B", lora.up)]
    }
}

extension Linear {
    /// The fully labelled form with PyTorch's parameter names, `Linear(inFeatures: 4, outFeatures: 8)`;
    /// `Linear(4, 8)` is the same layer.
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inFeatures, outFeatures, bias: bias, generator: generator)
    }
}

import SynapseCore

/// 2-D convolution layer (PyTorch `nn.Conv2d`): weight [out, in/groups, kh, kw], bias [out].
/// Default initialisation matches PyTorch: U(±1/√fanIn) for weight and bias, fanIn = in/groups·kh·kw.
public final class Conv2d: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(weight.shape[1] * groups) → \(weight.shape[0]), kernelSize: \(weight.shape[2])×\(weight.shape[3]), stride: \(stride.0)×\(stride.1), padding: \(padding.0)×\(padding.1)" + (groups == 1 ? "" : ", groups: \(groups)") + (bias == nil ? ", bias: false" : ", bias") }

    /// [out, in/groups, kh, kw].
    public let weight: Parameter
    /// [out], or nil.
    public let bias: Parameter?
    /// Step of the window.
    public let stride: (Int, Int)
    /// Zero padding on each side.
    public let padding: (Int, Int)
    /// Spacing of the kernel taps.
    public let dilation: (Int, Int)
    /// Channel groups (in and out channels are split into this many independent groups).
    public let groups: Int
    /// The layer's int8 form (static quantization), or nil for a float layer; see
    /// `Module.quantizeStatic(method:skipping:calibrate:)`.
    public internal(set) var quantization: ConvolutionQuantization?
    /// Collects input statistics while `quantizeStatic` calibrates (nil otherwise).
    var calibration: CalibrationRecorder?
    /// `.bfloat16` after `castToBFloat16()` (`.float16` after `castToFloat16()`), or loading such a file:
    /// the layer's products run under `autocast` at that precision whatever the caller's, and `save`
    /// stores its weight and bias as BF16 (F16).
    public internal(set) var computePrecision: ComputePrecision = .float32
    /// Quantization-aware training: while set (`prepareQuantizationAwareTraining()`), weights and
    /// inputs are fake-quantized in every forward pass.
    public internal(set) var fakeQuantization: FakeQuantization?

    /// Creates the layer.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                generator: RandomGenerator = .global) {
        require(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: \(inChannels) → \(outChannels) channels cannot be split into \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernelSize.0, kernelSize.1]
        (weight, self.bias) = convolutionParameters(shape, bias: bias, biasCount: outChannels, generator: generator)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// Square-kernel convenience: `Conv2d(1, 32, kernelSize: 3, padding: 1)`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias, generator: generator)
    }

    /// Applies the convolution to [N, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        if computePrecision != .float32 && Autocast.precision != computePrecision && quantization == nil {
            return autocast(computePrecision) { callAsFunction(x) }
        }
        return recordingCall {
            let c = weight.shape[1] * groups
            require(x.rank == 4 && x.shape[1] == c, "Conv2d(\(c) → \(weight.shape[0])): expected input [N, \(c), H, W], got \(x.shape)")
            calibration?.observe(x)
            if let quantization {
                require(!isTraining, "Conv2d(\(c) → \(weight.shape[0])): an int8 layer runs inference only; call eval() "
                        + "before using it, or dequantize() to train the float weights")
                return quantizedConv2d(x, quantization.convolution(for: weight.value), bias: bias?.value, stride: stride,
                                       padding: padding, dilation: dilation)
            }
            if let fakeQuantization {
                let input = fakeQuantization.inputQuantization(observing: x.detached(), training: isTraining)
                let w = weight.value
                return conv2d(input.map { fakeQuantize(x, $0) } ?? x, weight: fakeQuantizePerChannel(w, scales: perChannelSymmetricScales(w.detached())),
                              bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
            }
            return conv2d(x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
    }
}

/// 1-D convolution layer (PyTorch `nn.Conv1d`): weight [out, in/groups, k], bias [out].
public final class Conv1d: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(weight.shape[1] * groups) → \(weight.shape[0]), kernelSize: \(weight.shape[2]), stride: \(stride), padding: \(padding)" + (groups == 1 ? "" : ", groups: \(groups)") + (bias == nil ? ", bias: false" : ", bias") }

    /// [out, in/groups, k].
    public let weight: Parameter
    /// [out], or nil.
    public let bias: Parameter?
    /// Step of the window.
    public let stride: Int
    /// Zero padding on each side.
    public let padding: Int
    /// Spacing of the kernel taps.
    public let dilation: Int
    /// Channel groups.
    public let groups: Int

    /// Creates the layer (PyTorch default initialisation).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global) {
        require(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv1d: \(inChannels) → \(outChannels) channels cannot be split into \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernelSize]
        (weight, self.bias) = convolutionParameters(shape, bias: bias, biasCount: outChannels, generator: generator)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// Applies the convolution to [N, C, L].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let c = weight.shape[1] * groups
            require(x.rank == 3 && x.shape[1] == c, "Conv1d(\(c) → \(weight.shape[0])): expected input [N, \(c), L], got \(x.shape)")
            return conv1d(x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
    }
}

/// Transposed 2-D convolution layer (PyTorch `nn.ConvTranspose2d`): weight [in, out/groups, kh, kw],
/// bias [out]. Default initialisation matches PyTorch (fan-in computed from weight dimension 1).
public final class ConvTranspose2d: Module, Layer {
    /// [in, out/groups, kh, kw].
    public let weight: Parameter
    /// [out], or nil.
    public let bias: Parameter?
    /// Upsampling step.
    public let stride: (Int, Int)
    /// Padding removed from each side of the output.
    public let padding: (Int, Int)
    /// Extra rows/columns added to one side of the output.
    public let outputPadding: (Int, Int)
    /// Spacing of the kernel taps.
    public let dilation: (Int, Int)
    /// Channel groups.
    public let groups: Int

    /// Creates the layer with a square kernel.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, groups: Int = 1, bias: Bool = true, dilation: Int = 1,
                generator: RandomGenerator = .global) {
        require(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvTranspose2d: \(inChannels) → \(outChannels) channels cannot be split into \(groups) groups")
        let shape = [inChannels, outChannels / groups, kernelSize, kernelSize]
        (weight, self.bias) = convolutionParameters(shape, bias: bias, biasCount: outChannels, generator: generator)
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.outputPadding = (outputPadding, outputPadding)
        self.dilation = (dilation, dilation)
        self.groups = groups
        super.init()
    }

    /// Applies the transposed convolution to [N, in, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let c = weight.shape[0]
            require(x.rank == 4 && x.shape[1] == c, "ConvTranspose2d(\(c) → \(weight.shape[1] * groups)): expected input [N, \(c), H, W], got \(x.shape)")
            return convTranspose2d(x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                                   outputPadding: outputPadding, dilation: dilation, groups: groups)
        }
    }
}

/// PyTorch's default initialisation of a convolution: weight Kaiming-uniform with a = √5
/// (U(±1/√fanIn)), bias U(±1/√fanIn), where fanIn comes from weight dimensions 1 and up.
func convolutionParameters(_ shape: [Int], bias: Bool, biasCount: Int, generator: RandomGenerator) -> (Parameter, Parameter?) {
    let weight = Parameter(Init.kaimingUniform(shape, a: Float(5).squareRoot(), generator: generator))
    let bound = 1 / Float(Init.fans(shape).fanIn).squareRoot()
    return (weight, bias ? Parameter(Init.uniform([biasCount], low: -bound, high: bound, generator: generator)) : nil)
}

// The fully labelled forms use PyTorch's parameter names; the positional ones take the kernel size
// where PyTorch users write it, `Conv2d(1, 32, 3)`.
extension Conv2d {
    /// The fully labelled form, `Conv2d(inChannels: 1, outChannels: 32, kernelSize: (3, 5))`.
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
                            bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: generator)
    }

    /// The fully labelled square-kernel form, `Conv2d(inChannels: 1, outChannels: 32, kernelSize: 3)`.
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: generator)
    }

    /// A square kernel given positionally, `Conv2d(1, 32, 3)`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: generator)
    }

    /// A rectangular kernel given positionally, `Conv2d(1, 32, (3, 5))`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
                            bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: generator)
    }
}

extension Conv1d {
    /// The fully labelled form, `Conv1d(inChannels: 16, outChannels: 33, kernelSize: 3)`.
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: generator)
    }

    /// The kernel size given positionally, `Conv1d(16, 33, 3)`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: generator)
    }
}

extension ConvTranspose2d {
    /// The fully labelled form, `ConvTranspose2d(inChannels: 16, outChannels: 8, kernelSize: 2, stride: 2)`.
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, groups: Int = 1, bias: Bool = true, dilation: Int = 1,
                            generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, generator: generator)
    }

    /// The kernel size given positionally, `ConvTranspose2d(16, 8, 2, stride: 2)`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, groups: Int = 1, bias: Bool = true, dilation: Int = 1,
                            generator: RandomGenerator = .global) {
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, generator: generator)
    }
}

import SynapseCore

/// 2-D max pooling (PyTorch `nn.MaxPool2d`); stride defaults to the kernel size.
public final class MaxPool2d: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "kernelSize: \(kernelSize.0)×\(kernelSize.1), stride: \(stride.0)×\(stride.1)" + (padding == (0, 0) ? "" : ", padding: \(padding.0)×\(padding.1)") }

    /// Window size.
    public let kernelSize: (Int, Int)
    /// Window step.
    public let stride: (Int, Int)
    /// Implicit −∞ padding.
    public let padding: (Int, Int)
    /// Spacing of window taps.
    public let dilation: (Int, Int)
    /// Round the output size up instead of down.
    public let ceilMode: Bool

    /// Creates the layer with a square window.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
        self.ceilMode = ceilMode
        super.init()
    }

    /// Creates the layer with a square window, PyTorch's positional spelling (`MaxPool2d(2)`).
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// Pools [N, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
        }
    }

    /// Pools `relu(x)` in one pass (`reluMaxPool2d`): what `Sequential` runs for a `ReLU` followed by
    /// this layer, bit for bit the two layers' result.
    func pooledReLU(_ x: Tensor) -> Tensor {
        recordingCall {
            reluMaxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
        }
    }
}

/// 2-D average pooling (PyTorch `nn.AvgPool2d`); stride defaults to the kernel size.
public final class AvgPool2d: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "kernelSize: \(kernelSize.0)×\(kernelSize.1), stride: \(stride.0)×\(stride.1)" + (padding == (0, 0) ? "" : ", padding: \(padding.0)×\(padding.1)") }

    /// Window size.
    public let kernelSize: (Int, Int)
    /// Window step.
    public let stride: (Int, Int)
    /// Implicit zero padding.
    public let padding: (Int, Int)
    /// Round the output size up instead of down.
    public let ceilMode: Bool
    /// Count padded zeros in the divisor (PyTorch's default).
    public let countIncludePad: Bool

    /// Creates the layer with a square window.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        super.init()
    }

    /// Creates the layer with a square window, PyTorch's positional spelling (`AvgPool2d(2)`).
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    /// Pools [N, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            avgPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
        }
    }
}

/// Adaptive average pooling to a fixed output size (PyTorch `nn.AdaptiveAvgPool2d`).
public final class AdaptiveAvgPool2d: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(outputSize.0)×\(outputSize.1)" }

    /// Output height and width.
    public let outputSize: (Int, Int)

    /// Creates the layer (`AdaptiveAvgPool2d(1)` = global average pooling).
    public init(_ outputSize: Int) { self.outputSize = (outputSize, outputSize); super.init() }
    /// Creates the layer with a rectangular output.
    public init(_ outputSize: (Int, Int)) { self.outputSize = outputSize; super.init() }

    /// Pools [N, C, H, W] to [N, C, outH, outW].
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { adaptiveAvgPool2d(x, outputSize: outputSize) } }
}

extension AdaptiveAvgPool2d {
    /// The fully labelled form with PyTorch's parameter name, `AdaptiveAvgPool2d(outputSize: 1)`.
    public convenience init(outputSize: Int) { self.init(outputSize) }

    /// The fully labelled form for a rectangular output, `AdaptiveAvgPool2d(outputSize: (7, 7))`.
    public convenience init(outputSize: (Int, Int)) { self.init(outputSize) }
}

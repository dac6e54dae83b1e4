import SynapseCore

/// max(x, 0).
public final class ReLU: Module, Layer {
    /// Creates the activation.
    public override init() { super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { relu(x) } }
}

/// Leaky ReLU with a negative slope.
public final class LeakyReLU: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "negativeSlope: \(negativeSlope)" }

    /// Slope for x < 0.
    public let negativeSlope: Float
    /// Creates the activation.
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { leakyRelu(x, negativeSlope: negativeSlope) } }
}

/// Exponential linear unit.
public final class ELU: Module, Layer {
    /// α.
    public let alpha: Float
    /// Creates the activation.
    public init(alpha: Float = 1) { self.alpha = alpha; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { elu(x, alpha: alpha) } }
}

/// Scaled exponential linear unit.
public final class SELU: Module, Layer {
    /// Creates the activation.
    public override init() { super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { selu(x) } }
}

/// x·sigmoid(x).
public final class SiLU: Module, Layer {
    /// Creates the activation.
    public override init() { super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { silu(x) } }
}

/// Gaussian error linear unit.
public final class GELU: Module, Layer {
    /// Exact or tanh approximation.
    public let approximate: GELUApproximation
    /// Creates the activation.
    public init(approximate: GELUApproximation = .none) { self.approximate = approximate; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { gelu(x, approximate: approximate) } }
}

/// Logistic sigmoid.
public final class Sigmoid: Module, Layer {
    /// Creates the activation.
    public override init() { super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { sigmoid(x) } }
}

/// Hyperbolic tangent.
public final class Tanh: Module, Layer {
    /// Creates the activation.
    public override init() { super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { tanh(x) } }
}

/// Softplus log(1 + e^(βx))/β.
public final class Softplus: Module, Layer {
    /// β.
    public let beta: Float
    /// Above β·x > threshold the function is linear.
    public let threshold: Float
    /// Creates the activation.
    public init(beta: Float = 1, threshold: Float = 20) { self.beta = beta; self.threshold = threshold; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { softplus(x, beta: beta, threshold: threshold) } }
}

/// Softmax along a dimension.
public final class Softmax: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "dim: \(dim)" }

    /// The dimension normalised.
    public let dim: Int
    /// Creates the layer.
    public init(dim: Int = -1) { self.dim = dim; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { softmax(x, dim: dim) } }
}

/// Log-softmax along a dimension.
public final class LogSoftmax: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "dim: \(dim)" }

    /// The dimension normalised.
    public let dim: Int
    /// Creates the layer.
    public init(dim: Int = -1) { self.dim = dim; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { logSoftmax(x, dim: dim) } }
}

/// Passes its input through unchanged.
public final class Identity: Module, Layer {
    /// Creates the layer.
    public override init() { super.init() }
    /// Returns `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { x } }
}

/// Flattens dimensions `startDim...endDim` (PyTorch `nn.Flatten`, default: all but the batch).
public final class Flatten: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "startDim: \(startDim), endDim: \(endDim)" }

    /// First dimension merged.
    public let startDim: Int
    /// Last dimension merged.
    public let endDim: Int
    /// Creates the layer.
    public init(startDim: Int = 1, endDim: Int = -1) { self.startDim = startDim; self.endDim = endDim; super.init() }
    /// Applies it.
    public func callAsFunction(_ x: Tensor) -> Tensor { recordingCall { x.flattened(startDim: startDim, endDim: endDim) } }
}

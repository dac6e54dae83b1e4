import SynapseCore

/// Randomly zeroes elements with probability `p` during training and scales the rest by 1/(1−p)
/// (inverted dropout, as PyTorch); the identity in evaluation mode.
public final class Dropout: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "p: \(p)" }

    /// Probability of zeroing an element.
    public let p: Float
    private let generator: RandomGenerator

    /// Creates the layer; masks are drawn from `generator` (the global one by default) so runs are reproducible.
    public init(p: Float = 0.5, generator: RandomGenerator = .global) {
        require(p >= 0 && p < 1 || p == 1, "Dropout: probability must be in [0, 1], got \(p)")
        self.p = p
        self.generator = generator
        super.init()
    }

    /// Creates the layer, PyTorch's positional spelling (`Dropout(0.2)`).
    public convenience init(_ p: Float, generator: RandomGenerator = .global) {
        self.init(p: p, generator: generator)
    }

    /// Applies dropout in training mode; returns `x` in evaluation mode.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            guard isTraining, p > 0 else { return x }
            if p == 1 { return x * 0 }
            let scale = 1 / (1 - p)
            let threshold = p
            let mask = Tensor(shape: x.shape) { b in
                // One draw per element, in order (the same mask as drawing them one by one).
                generator.fillUniform(b)
                for i in b.indices { b[i] = b[i] >= threshold ? scale : 0 }
            }
            return x * mask
        }
    }
}

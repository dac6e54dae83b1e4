import SynapseCore
import SynapseNN

/// A multi-layer perceptron classifier: Linear-ReLU blocks and a final Linear to class logits.
///
/// With the defaults it is the W2 benchmark network for 28×28 images:
/// Linear(784, 512)-ReLU-Linear(512, 256)-ReLU-Linear(256, 10). Inputs of any shape [N, ...] are
/// flattened to [N, inputSize]. Parameter names match `nn.Sequential` in PyTorch (`layers.0.weight`…).
public final class MLPClassifier: Module, LayerChain {
    /// The Linear/ReLU stack.
    public let layers: Sequential
    /// Flattened input size.
    public let inputSize: Int

    /// Creates the network with the given hidden sizes.
    public init(inputSize: Int = 784, hiddenSizes: [Int] = [512, 256], classes: Int = 10, generator: RandomGenerator = .global) {
        self.inputSize = inputSize
        var stack: [any Layer] = []
        var width = inputSize
        for h in hiddenSizes {
            stack.append(Linear(width, h, generator: generator))
            stack.append(ReLU())
            width = h
        }
        stack.append(Linear(width, classes, generator: generator))
        layers = Sequential(stack)
        super.init()
    }

    /// Class logits [N, classes] for inputs [N, ...] with `inputSize` features per example.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let flat = x.rank == 2 ? x : x.flattened(startDim: 1)
            require(flat.shape.last == inputSize,
                         "MLPClassifier: expected \(inputSize) features per example, got input \(x.shape)")
            return layers(flat)
        }
    }

    /// A `Flatten`, then the Linear/ReLU stack (what pipeline stages are cut from).
    public var chainedLayers: [any Layer] { [Flatten()] + layers.layers }
}

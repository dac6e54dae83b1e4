import SynapseCore
import SynapseNN

/// A small convolutional classifier for 28×28 single-channel images (the W3 benchmark network):
/// Conv2d(1,32,3,pad 1)-ReLU-MaxPool2 → Conv2d(32,64,3,pad 1)-ReLU-MaxPool2 → flatten →
/// Linear(3136,128)-ReLU → Linear(128,10). Parameter names follow the properties
/// (`features.0.weight`, `classifier.0.weight`, ...). `widths` changes the 32, 64 and 128
/// (structured pruning makes such narrower networks).
public final class CNNClassifier: Module, LayerChain {
    /// Convolution and pooling stages.
    public let features: Sequential
    /// The fully connected head.
    public let classifier: Sequential
    /// Output channels of the two convolutions and width of the hidden layer.
    public let widths: [Int]
    /// The recipe's widths: 32 and 64 channels, 128 hidden neurons.
    public static let defaultWidths = [32, 64, 128]

    /// Creates the network for `channels`×`size`×`size` images and `classes` outputs, with
    /// `widths` (first convolution's channels, second's, hidden neurons).
    public init(channels: Int = 1, size: Int = 28, classes: Int = 10, widths: [Int] = CNNClassifier.defaultWidths,
                generator: RandomGenerator = .global) {
        require(size % 4 == 0, "CNNClassifier: image size \(size) must be divisible by 4 (two 2×2 poolings)")
        require(widths.count == 3 && widths.allSatisfy { $0 > 0 }, "CNNClassifier: widths must be three positive sizes, got \(widths)")
        let (c1, c2, hidden) = (widths[0], widths[1], widths[2])
        self.widths = widths
        features = Sequential([
            Conv2d(channels, c1, kernelSize: 3, padding: 1, generator: generator), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(c1, c2, kernelSize: 3, padding: 1, generator: generator), ReLU(), MaxPool2d(kernelSize: 2),
        ])
        classifier = Sequential([
            Linear(c2 * (size / 4) * (size / 4), hidden, generator: generator), ReLU(), Linear(hidden, classes, generator: generator),
        ])
        super.init()
    }

    /// Class logits [N, classes] for images [N, channels, size, size].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            require(x.rank == 4, "CNNClassifier: expected images [N, C, H, W], got \(x.shape)")
            return classifier(features(x).flattened(startDim: 1))
        }
    }

    /// The convolution stages, a `Flatten` and the head (what pipeline stages are cut from).
    public var chainedLayers: [any Layer] { features.layers + [Flatten()] + classifier.layers }
}

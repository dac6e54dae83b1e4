import SynapseCore
import SynapseNN

/// A small convolutional classifier for 28×28 single-channel images (the W3 benchmark network):
/// Conv2d(1,32,3,pad 1)-ReLU-MaxPool2 → Conv2d(32,64,3,pad 1)-ReLU-MaxPool2 → flatten →
/// Linear(3136,128)-ReLU → Linear(128,10). Parameter names follow the properties
/// (`features.0.weight`, `classifier.0.weight`, ...).
public final class CNNClassifier: Module, Layer {
    /// Convolution and pooling stages.
    public let features: Sequential
    /// The fully connected head.
    public let classifier: Sequential

    /// Creates the network for `channels`×`size`×`size` images and `classes` outputs.
    public init(channels: Int = 1, size: Int = 28, classes: Int = 10, generator: RandomGenerator = .global) {
        require(size % 4 == 0, "CNNClassifier: image size \(size) must be divisible by 4 (two 2×2 poolings)")
        features = Sequential([
            Conv2d(channels, 32, kernelSize: 3, padding: 1, generator: generator), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(32, 64, kernelSize: 3, padding: 1, generator: generator), ReLU(), MaxPool2d(kernelSize: 2),
        ])
        classifier = Sequential([
            Linear(64 * (size / 4) * (size / 4), 128, generator: generator), ReLU(), Linear(128, classes, generator: generator),
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
}

import ArgumentParser
import Synapse

/// Datasets the CLI can train on.
enum DatasetName: String, ExpressibleByArgument, CaseIterable {
    case fashionMNIST = "fashion-mnist"
    case mnist
    // Tabular and time-series datasets, trained by `TabularTrainingJob` (see Tabular/).
    case breastCancer = "breast-cancer", diabetes, sunspots, co2

    /// Loads the train and test splits.
    func load() throws -> (train: TensorDataset, test: TensorDataset) {
        switch self {
        case .fashionMNIST: return (try FashionMNIST.load(split: .train), try FashionMNIST.load(split: .test))
        case .mnist: return (try MNIST.load(split: .train), try MNIST.load(split: .test))
        case .breastCancer, .diabetes, .sunspots, .co2: throw ValidationError("--dataset \(rawValue) is tabular, not an image dataset")
        }
    }
}

/// Models the CLI can build.
enum ModelName: String, ExpressibleByArgument, CaseIterable {
    case mlp
    case cnn

    /// Builds the model for examples of `inputShape`.
    func make(inputShape: [Int], classes: Int, generator: RandomGenerator) -> any Layer {
        switch self {
        case .mlp: return MLPClassifier(inputSize: inputShape.reduce(1, *), hiddenSizes: [512, 256], classes: classes, generator: generator)
        case .cnn: return CNNClassifier(channels: inputShape[0], size: inputShape[1], classes: classes, generator: generator)
        }
    }
}

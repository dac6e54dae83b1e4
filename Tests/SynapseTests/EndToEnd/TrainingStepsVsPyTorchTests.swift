import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseModels

extension RealDataSuite {
    /// Full-size training steps on real Fashion-MNIST batches, compared step by step with float64
    /// PyTorch runs from the same initial weights. At these sizes every kernel takes its multi-threaded
    /// path, which the small golden cases never reach.
    @Suite struct TrainingStepsVsPyTorchTests {
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func twentyW2AdamStepsMatchPyTorch() throws {
            // PyTorch's nn.Sequential names the layers 0, 2, 4; MLPClassifier nests them under `layers.`.
            try expectTrainingStepsMatchPyTorch(fixture: "w2_steps", model: MLPClassifier(generator: RandomGenerator(seed: 1))) {
                $0.replacingOccurrences(of: "layers.", with: "")
            }
        }

        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func tenW3CNNAdamStepsMatchPyTorch() throws {
            // PyTorch's nn.Sequential indices for the CNN's layers.
            let names = ["features.0": "0", "features.3": "3", "classifier.0": "7", "classifier.2": "9"]
            try expectTrainingStepsMatchPyTorch(fixture: "w3_steps", model: CNNClassifier(generator: RandomGenerator(seed: 1))) { key in
                let parts = key.split(separator: ".")
                return "\(names[parts.dropLast().joined(separator: ".")]!).\(parts.last!)"
            }
        }
    }
}

import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseONNX

extension RealDataSuite {
    /// Issue 11's "done when": a CNN trained and saved by PyTorch (scripts/make-onnx-fixtures.py: one
    /// epoch of Adam on Fashion-MNIST, architecture and keys exactly `CNNClassifier`'s) loads into
    /// Synapse both ways — the `.pt` state dict into `CNNClassifier`, the `.onnx` graph as an
    /// `ONNXModel` — and both predict PyTorch's label for every one of the 10000 test images.
    @Suite struct ONNXReproductionTests {
        /// PyTorch's stored test-set predictions and accuracy.
        private static func pytorchResults() throws -> (predictions: [Int], accuracy: Float, correct: Int) {
            let stored = try SafeTensorsArchive(contentsOf: try onnxFixture("cnn_fashion_predictions.safetensors"))
            return (try stored.intTensor("predictions").scalars, try stored.tensor("accuracy").scalars[0],
                    try stored.intTensor("correct").scalars[0])
        }

        /// Arg-max labels of `model` on the test images, in batches of 1000 as the loader feeds them.
        private static func predictions(_ model: some Layer, _ test: TensorDataset) -> [Int] {
            model.eval()
            return withoutGradients {
                stride(from: 0, to: test.count, by: 1000).flatMap { start in
                    let end = Swift.min(start + 1000, test.count)
                    return model(test.features.slice(dim: 0, start: start, end: end)).argmax(dim: 1).scalars
                }
            }
        }

        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func pytorchCNNReproducesItsTestPredictionsBothWays() throws {
            let test = try FashionMNIST.load(split: .test)
            let labels = test.labels.scalars
            let pytorch = try Self.pytorchResults()
            #expect(pytorch.predictions.count == 10_000)

            let cnn = CNNClassifier(generator: RandomGenerator(seed: 99))
            try cnn.loadPyTorch(from: try onnxFixture("cnn_fashion.pt"))
            let imported = try ONNXModel(contentsOf: try onnxFixture("cnn_fashion.onnx"))
            // The exporter kept the state-dict names: the same .pt also loads into the imported graph.
            #expect(Set(imported.stateDict().keys) == Set(cnn.stateDict().keys))

            for (how, model) in [("CNNClassifier + .pt", cnn as any Layer), ("ONNXModel", imported as any Layer)] {
                let ours = Self.predictions(model, test)
                let differing = zip(ours, pytorch.predictions).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                #expect(differing.isEmpty, "\(how): \(differing.count) images predicted differently, first \(differing.prefix(10))")
                let correct = zip(ours, labels).filter { $0.0 == $0.1 }.count
                #expect(correct == pytorch.correct, "\(how): \(correct) correct, PyTorch \(pytorch.correct)")
                #expect(Float(correct) / 10_000 == pytorch.accuracy)
            }
        }
    }
}

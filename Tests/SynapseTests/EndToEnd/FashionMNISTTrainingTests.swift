import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseModels
@testable import SynapseTraining

extension Tag {
    /// End-to-end training runs (seconds to minutes in release builds); still run in CI.
    @Tag static var slow: Self
}

extension RealDataSuite {
    /// The main job, in-process: the W2 network trained on Fashion-MNIST with the README's recipe.
    @Suite(.tags(.slow))
    struct FashionMNISTTrainingTests {
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func mlpReachesTargetAccuracyInFiveEpochs() throws {
            let train = try FashionMNIST.load(split: .train)
            let test = try FashionMNIST.load(split: .test)
            manualSeed(0)
            let model = MLPClassifier(generator: RandomGenerator(seed: 0))
            let optimizer = Adam(model.parameters(), learningRate: 1e-3)
            let run = ClassifierTraining(epochs: 5, batchSize: 128, seed: 0, showProgress: false)
            let epochs = try run.train(model: model, optimizer: optimizer, train: train, test: test)
            let final = try #require(epochs.last)
            // Loss must fall monotonically over the first epochs on this recipe.
            #expect(epochs[0].trainLoss > epochs[2].trainLoss)
            #expect(final.trainLoss < 0.32)
            #expect(final.testAccuracy >= 0.870, "test accuracy \(final.testAccuracy) after 5 epochs")
            // Saving and reloading reproduces the evaluated model exactly.
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("w2-\(UUID().uuidString).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try model.save(to: url)
            let reloaded = MLPClassifier(generator: RandomGenerator(seed: 99))
            try reloaded.load(from: url)
            #expect(ClassifierTraining.accuracy(of: reloaded, on: test) == final.testAccuracy)
        }
    }
}

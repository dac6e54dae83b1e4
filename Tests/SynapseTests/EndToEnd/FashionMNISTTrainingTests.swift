import Foundation
import Testing
@testable import Synapse
@testable import SynapseJobs
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
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("w2-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = dir.appendingPathComponent("weights.safetensors")
            // The job behind `synapse train --dataset fashion-mnist --model mlp` with its defaults.
            let result = try ImageTrainingJob(options: ImageTrainingOptions(dataset: .fashionMNIST, model: .mlp, output: url),
                                              log: { _ in }).run(data: (train, test))
            let losses = result.history.series("loss").map { $0! }
            #expect(result.history.records.count == 5)
            // Loss must fall monotonically over the first epochs on this recipe.
            #expect(losses[0] > losses[2])
            #expect(losses[4] < 0.32)
            #expect(result.testAccuracy >= 0.870, "test accuracy \(result.testAccuracy) after 5 epochs")
            // Saving and reloading reproduces the evaluated model exactly.
            let reloaded = MLPClassifier(generator: RandomGenerator(seed: 99))
            try reloaded.load(from: url)
            #expect(try TestAccuracy.of(reloaded, on: test) == result.testAccuracy)
        }
    }
}

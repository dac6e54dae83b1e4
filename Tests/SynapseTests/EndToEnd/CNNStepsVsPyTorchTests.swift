import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// Ten W3 CNN training steps on real Fashion-MNIST batches, compared step by step with a float64
    /// PyTorch run from the same initial weights (fixture from Benchmarks/reference/w3_steps_fixture.py).
    @Suite struct CNNStepsVsPyTorchTests {
        /// Our parameter names → the PyTorch `nn.Sequential` indices used by the fixture.
        static let names = ["features.0": "0", "features.3": "3", "classifier.0": "7", "classifier.2": "9"]

        static func fixtureName(_ ours: String) -> String {
            let parts = ours.split(separator: ".")
            let prefix = parts.dropLast().joined(separator: ".")
            return "\(names[prefix]!).\(parts.last!)"
        }

        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func tenAdamStepsMatchPyTorch() throws {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/training/w3_steps", withExtension: "safetensors"))
            let fixture = try SafeTensors.load(from: url)
            let train = try FashionMNIST.load(split: .train)
            let model = CNNClassifier(generator: RandomGenerator(seed: 1))
            var state: [String: Tensor] = [:]
            for name in model.stateDict().keys { state[name] = try fixture.tensor("init." + Self.fixtureName(name)) }
            try model.loadStateDict(state)
            let optimizer = Adam(model.parameters(), learningRate: 1e-3)
            let batches = try fixture.intTensor("batches")
            let expectedLosses = try fixture.tensor("losses").scalars
            let (steps, batchSize) = (batches.shape[0], batches.shape[1])
            for s in 0..<steps {
                let batch = train.batch(Array(batches.scalars[(s * batchSize)..<((s + 1) * batchSize)]))
                let loss = crossEntropy(model(batch.features), batch.labels)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                #expect(Swift.abs(loss.item() - expectedLosses[s]) <= 1e-5 * expectedLosses[s],
                        "step \(s): loss \(loss.item()) vs PyTorch \(expectedLosses[s])")
            }
            for (name, parameter) in model.namedParameters() {
                let expected = try fixture.tensor("final." + Self.fixtureName(name)).scalars
                let actual = parameter.value.scalars
                var worst: Float = 0
                for (k, e) in expected.enumerated() { worst = Swift.max(worst, Swift.abs(actual[k * 61] - e)) }
                #expect(worst <= 2e-5, "\(name): max |Δ| \(worst) after \(steps) steps")
            }
        }
    }
}

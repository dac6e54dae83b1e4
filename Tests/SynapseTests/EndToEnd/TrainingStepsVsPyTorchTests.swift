import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// Twenty W2 training steps on real Fashion-MNIST batches, compared step by step with a float64
    /// PyTorch run from the same initial weights (fixture made by Benchmarks/reference/w2_steps_fixture.py).
    /// At these sizes every kernel takes its multi-threaded path, which the small golden cases never reach.
    @Suite
    struct TrainingStepsVsPyTorchTests {
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func twentyAdamStepsMatchPyTorch() throws {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/training/w2_steps", withExtension: "safetensors"))
            let fixture = try SafeTensors.load(from: url)
            let train = try FashionMNIST.load(split: .train)
            let model = MLPClassifier(generator: RandomGenerator(seed: 1))
            var state: [String: Tensor] = [:]
            for name in model.stateDict().keys {
                state[name] = try fixture.tensor("init." + name.replacingOccurrences(of: "layers.", with: ""))
            }
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
                // Float32 vs float64 reference: measured at most 6e-7 relative over the 20 steps; 1e-5
                // leaves >15x margin and catches any wrong gradient at the first step.
                #expect(Swift.abs(loss.item() - expectedLosses[s]) <= 1e-5 * expectedLosses[s],
                        "step \(s): loss \(loss.item()) vs PyTorch \(expectedLosses[s])")
            }
            for (name, parameter) in model.namedParameters() {
                let expected = try fixture.tensor("final." + name.replacingOccurrences(of: "layers.", with: "")).scalars
                let actual = parameter.value.scalars
                var worst: Float = 0
                for (k, e) in expected.enumerated() { worst = Swift.max(worst, Swift.abs(actual[k * 61] - e)) }
                // Measured at most 8e-7 after 20 steps; 2e-5 leaves >20x margin while staying far below
                // Adam's per-step move of about lr = 1e-3, which any wrong update would show.
                #expect(worst <= 2e-5, "\(name): max |Δ| \(worst) after \(steps) steps")
            }
        }
    }
}

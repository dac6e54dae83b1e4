import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData

/// Trains `model` with Adam (lr 1e-3) on the Fashion-MNIST batches stored in a PyTorch fixture
/// (`Fixtures/training/<fixture>.safetensors`, made by `Benchmarks/reference/steps_fixture.py --workload W2|W3`) from the
/// fixture's initial weights, and compares every step's loss and the final weights (every 61st element)
/// with the float64 PyTorch run.
///
/// Tolerances: losses within 1e-5 relative (measured ≤ 6e-7), weights within 2e-5 absolute (measured
/// ≤ 8e-7), far below Adam's per-step move of about lr = 1e-3 that any wrong update would show.
func expectTrainingStepsMatchPyTorch(fixture name: String, model: some Layer, fixtureName: (String) -> String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/training/\(name)", withExtension: "safetensors"),
                           sourceLocation: sourceLocation)
    let fixture = try SafeTensors.load(from: url)
    let train = try FashionMNIST.load(split: .train)
    var state: [String: Tensor] = [:]
    for key in model.stateDict().keys { state[key] = try fixture.tensor("init." + fixtureName(key)) }
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
                "step \(s): loss \(loss.item()) vs PyTorch \(expectedLosses[s])", sourceLocation: sourceLocation)
    }
    for (key, parameter) in model.namedParameters() {
        let expected = try fixture.tensor("final." + fixtureName(key)).scalars
        let actual = parameter.value.scalars
        var worst: Float = 0
        for (k, e) in expected.enumerated() { worst = Swift.max(worst, Swift.abs(actual[k * 61] - e)) }
        #expect(worst <= 2e-5, "\(key): max |Δ| \(worst) after \(steps) steps", sourceLocation: sourceLocation)
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim

/// End-to-end: recurrent layers inside a model, trained with Adam, learn a small sequence task.
@Suite("Layers: recurrent training")
struct RecurrentTrainingTests {
    /// Predicts the last element of a sequence minus its first, which needs memory across all steps.
    final class Model: Module {
        let lstm: LSTM
        let head: Linear
        init(_ g: RandomGenerator) {
            lstm = LSTM(inputSize: 1, hiddenSize: 8, batchFirst: true, bidirectional: true, generator: g)
            head = Linear(16, 1, generator: g)
            super.init()
        }
        func callAsFunction(_ x: Tensor) -> Tensor {
            let out = lstm(x).output                                  // [N, T, 16]
            return head(out.select(dim: 1, index: x.shape[1] - 1))  // [N, 1]
        }
    }

    @Test("a bidirectional LSTM with a linear head fits last − first (loss falls at least 10×)")
    func learns() {
        let g = RandomGenerator(seed: 3)
        let model = Model(g)
        #expect(model.namedParameters().map(\.0).prefix(2) == ["lstm.weight_ih_l0", "lstm.weight_hh_l0"])
        let x = Tensor.uniform([32, 5, 1], low: -1, high: 1, generator: RandomGenerator(seed: 4))
        let y = x.select(dim: 1, index: 4) - x.select(dim: 1, index: 0)   // [32, 1]
        let optimizer = Adam(model.parameters(), learningRate: 0.02)
        var first = Float.nan, last = Float.nan
        for step in 0..<150 {
            let loss = mseLoss(model(x), y)
            if step == 0 { first = loss.item() }
            last = loss.item()
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        #expect(last < first / 10, "loss went from \(first) to \(last)")
    }
}

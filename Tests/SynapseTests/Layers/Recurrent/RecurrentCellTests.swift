import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// `RNNCell`, `LSTMCell` and `GRUCell`: PyTorch names, agreement with one step of the (golden-tested)
/// sequence layers given the same weights, finite differences, unbatched input and shape errors.
@Suite("Layers: recurrent cells")
struct RecurrentCellTests {
    @Test("parameter names and shapes match PyTorch's state_dict")
    func names() {
        let l = LSTMCell(inputSize: 3, hiddenSize: 5)
        #expect(l.namedParameters().map(\.0) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        #expect(l.namedParameters().map(\.1.shape) == [[20, 3], [20, 5], [20], [20]])
        #expect(GRUCell(inputSize: 3, hiddenSize: 2).namedParameters().map(\.1.shape) == [[6, 3], [6, 2], [6], [6]])
        let r = RNNCell(inputSize: 3, hiddenSize: 2, bias: false)
        #expect(r.namedParameters().map(\.0) == ["weight_ih", "weight_hh"])
    }

    /// Copies the cell's parameters into layer 0 of `module` (a 1-layer module of the same kind).
    private func copy(_ cell: RNNCellBase, into module: RNNBase) throws {
        var state: [String: Tensor] = [:]
        for (name, p) in cell.namedParameters() { state[name + "_l0"] = p.value }
        try module.loadStateDict(state)
    }

    @Test("a cell step equals a one-step sequence layer with the same weights")
    func agreesWithSequenceLayers() throws {
        let x = GradientInputs.normal([3, 4], seed: 1), h = GradientInputs.normal([3, 5], seed: 2)
        let c = GradientInputs.normal([3, 5], seed: 3)

        let rnnCell = RNNCell(inputSize: 4, hiddenSize: 5, nonlinearity: .relu, generator: RandomGenerator(seed: 4))
        let rnn = RNN(inputSize: 4, hiddenSize: 5, nonlinearity: .relu)
        try copy(rnnCell, into: rnn)
        expectClose(rnnCell(x, h), rnn(x.unsqueezed(0), h.unsqueezed(0)).hN[0], rtol: 1e-6, atol: 1e-6, "RNNCell")

        let lstmCell = LSTMCell(inputSize: 4, hiddenSize: 5, generator: RandomGenerator(seed: 5))
        let lstm = LSTM(inputSize: 4, hiddenSize: 5)
        try copy(lstmCell, into: lstm)
        let a = lstmCell(x, (h, c)), b = lstm(x.unsqueezed(0), (h.unsqueezed(0), c.unsqueezed(0)))
        expectClose(a.h, b.hN[0], rtol: 1e-6, atol: 1e-6, "LSTMCell h")
        expectClose(a.c, b.cN[0], rtol: 1e-6, atol: 1e-6, "LSTMCell c")

        let gruCell = GRUCell(inputSize: 4, hiddenSize: 5, generator: RandomGenerator(seed: 6))
        let gru = GRU(inputSize: 4, hiddenSize: 5)
        try copy(gruCell, into: gru)
        expectClose(gruCell(x, h), gru(x.unsqueezed(0), h.unsqueezed(0)).hN[0], rtol: 1e-6, atol: 1e-6, "GRUCell")
        expectClose(gruCell(x), gru(x.unsqueezed(0)).hN[0], rtol: 1e-6, atol: 1e-6, "GRUCell, zero state")
    }

    @Test("finite differences: input, states and parameters")
    func finiteDifferences() {
        let x = GradientInputs.normal([2, 3], seed: 7), h = GradientInputs.normal([2, 2], seed: 8, std: 0.5)
        let c = GradientInputs.normal([2, 2], seed: 9, std: 0.5)
        let rnn = RNNCell(inputSize: 3, hiddenSize: 2, generator: RandomGenerator(seed: 10))
        FiniteDifference.check("RNNCell", [x, h] + rnn.parameters().map(\.value)) { a in
            for (k, p) in rnn.parameters().enumerated() { p.value = a[2 + k] }
            return rnn(a[0], a[1])
        }
        let lstm = LSTMCell(inputSize: 3, hiddenSize: 2, generator: RandomGenerator(seed: 11))
        FiniteDifference.check("LSTMCell", [x, h, c] + lstm.parameters().map(\.value)) { a in
            for (k, p) in lstm.parameters().enumerated() { p.value = a[3 + k] }
            let r = lstm(a[0], (a[1], a[2]))
            return Tensor.cat([r.h, r.c], dim: 1)
        }
        let gru = GRUCell(inputSize: 3, hiddenSize: 2, generator: RandomGenerator(seed: 12))
        FiniteDifference.check("GRUCell", [x, h] + gru.parameters().map(\.value)) { a in
            for (k, p) in gru.parameters().enumerated() { p.value = a[2 + k] }
            return gru(a[0], a[1])
        }
    }

    @Test("unbatched input [in] with state [hidden]")
    func unbatched() {
        let cell = LSTMCell(inputSize: 3, hiddenSize: 2, generator: RandomGenerator(seed: 13))
        let x = GradientInputs.normal([2, 3], seed: 14), h = GradientInputs.normal([2, 2], seed: 15)
        let batched = cell(x, (h, h))
        let single = cell(x[1], (h[1], h[1]))
        #expect(single.h.shape == [2] && single.c.shape == [2])
        expectClose(single.h, batched.h[1], rtol: 1e-6, atol: 1e-6, "unbatched h")
        expectClose(single.c, batched.c[1], rtol: 1e-6, atol: 1e-6, "unbatched c")
    }

    @Test("shape errors name the cell, the expected and the actual shapes")
    func shapeErrors() {
        let cell = GRUCell(inputSize: 3, hiddenSize: 2)
        #expect(cell.shapeError(Tensor.zeros([4, 3]), states: [("h", Tensor.zeros([4, 2]))]) == nil)
        #expect(cell.shapeError(Tensor.zeros([4, 5]), states: [("h", nil)])
                == "GRUCell(3, 2): expected input [N, 3] or unbatched [3], got [4, 5]")
        #expect(cell.shapeError(Tensor.zeros([4, 3]), states: [("h", Tensor.zeros([4, 3]))])
                == "GRUCell(3, 2): expected h of shape [4, 2] for input [4, 3], got [4, 3]")
    }
}

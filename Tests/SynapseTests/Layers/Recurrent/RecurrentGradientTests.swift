import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// Autodiff gradients of `RNN`, `LSTM` and `GRU` against finite differences, with respect to the
/// input, the initial states and every parameter, on small sizes. The checked output is the
/// concatenation of the flattened output sequence and final states, so every returned tensor counts.
@Suite("Layers: recurrent finite differences")
struct RecurrentGradientTests {
    /// Checks `module` at input `x` and the optional initial states; `run` maps (x, h0, c0) to the outputs.
    private func check(_ name: String, _ module: RNNBase, x: Tensor, states: [Tensor],
                       sourceLocation: SourceLocation = #_sourceLocation,
                       _ run: @escaping (Tensor, [Tensor]) -> [Tensor]) {
        let params = module.parameters()
        let fixed = 1 + states.count
        FiniteDifference.check(name, [x] + states + params.map(\.value), sourceLocation: sourceLocation) { args in
            for (k, p) in params.enumerated() { p.value = args[fixed + k] }
            let outs = run(args[0], Array(args[1..<fixed]))
            return Tensor.cat(outs.map { $0.flattened() }, dim: 0)
        }
    }

    private func states(_ count: Int, _ shape: [Int], seed: UInt64) -> [Tensor] {
        (0..<count).map { GradientInputs.normal(shape, seed: seed + UInt64($0), std: 0.5) }
    }

    @Test("RNN tanh, 1 layer, with h0")
    func rnnOneLayer() {
        let m = RNN(inputSize: 3, hiddenSize: 4, generator: RandomGenerator(seed: 1))
        check("RNN(3, 4)", m, x: GradientInputs.normal([3, 2, 3], seed: 11), states: states(1, [1, 2, 4], seed: 12)) { x, s in
            let r = m(x, s[0]); return [r.output, r.hN]
        }
    }

    @Test("RNN tanh, 2 layers, bidirectional, batch-first, no bias")
    func rnnTwoLayerBidirectional() {
        let m = RNN(inputSize: 3, hiddenSize: 2, numLayers: 2, bias: false, batchFirst: true, bidirectional: true,
                    generator: RandomGenerator(seed: 2))
        check("RNN(3, 2, 2 layers, bidir, batch-first)", m, x: GradientInputs.normal([2, 3, 3], seed: 21),
              states: states(1, [4, 2, 2], seed: 22)) { x, s in
            let r = m(x, s[0]); return [r.output, r.hN]
        }
    }

    @Test("RNN relu, 1 layer, zero initial state (pre-activations kept away from the kink)")
    func rnnRelu() {
        let m = RNN(inputSize: 2, hiddenSize: 3, nonlinearity: .relu, generator: RandomGenerator(seed: 20))
        let x = GradientInputs.normal([3, 2, 2], seed: 31)
        // The finite differences move pre-activations by far less than 0.05: none may be that close to 0.
        var h = Tensor.zeros([2, 3]), closest = Float.infinity
        for t in 0..<3 {
            let pre = linear(x[t], weight: m.weightIH().value, bias: m.biasIH()!.value)
                + linear(h, weight: m.weightHH().value, bias: m.biasHH()!.value)
            closest = min(closest, pre.scalars.map(Swift.abs).min()!)
            h = relu(pre)
        }
        #expect(closest > 0.05)
        check("RNN(2, 3, relu)", m, x: x, states: []) { x, _ in
            let r = m(x); return [r.output, r.hN]
        }
    }

    @Test("LSTM, 1 layer, with (h0, c0)")
    func lstmOneLayer() {
        let m = LSTM(inputSize: 3, hiddenSize: 2, generator: RandomGenerator(seed: 4))
        check("LSTM(3, 2)", m, x: GradientInputs.normal([4, 2, 3], seed: 41), states: states(2, [1, 2, 2], seed: 42)) { x, s in
            let r = m(x, (s[0], s[1])); return [r.output, r.hN, r.cN]
        }
    }

    @Test("LSTM, 2 layers, bidirectional, batch-first, with (h0, c0)")
    func lstmTwoLayerBidirectional() {
        let m = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, batchFirst: true, bidirectional: true,
                     generator: RandomGenerator(seed: 5))
        check("LSTM(3, 2, 2 layers, bidir, batch-first)", m, x: GradientInputs.normal([2, 3, 3], seed: 51),
              states: states(2, [4, 2, 2], seed: 52)) { x, s in
            let r = m(x, (s[0], s[1])); return [r.output, r.hN, r.cN]
        }
    }

    @Test("GRU, 1 layer, no bias, with h0")
    func gruOneLayer() {
        let m = GRU(inputSize: 3, hiddenSize: 2, bias: false, generator: RandomGenerator(seed: 6))
        check("GRU(3, 2, no bias)", m, x: GradientInputs.normal([3, 2, 3], seed: 61), states: states(1, [1, 2, 2], seed: 62)) { x, s in
            let r = m(x, s[0]); return [r.output, r.hN]
        }
    }

    @Test("GRU, 2 layers, bidirectional, batch-first, with h0")
    func gruTwoLayerBidirectional() {
        let m = GRU(inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: true, bidirectional: true,
                    generator: RandomGenerator(seed: 7))
        check("GRU(2, 3, 2 layers, bidir, batch-first)", m, x: GradientInputs.normal([2, 3, 2], seed: 71),
              states: states(1, [4, 2, 3], seed: 72)) { x, s in
            let r = m(x, s[0]); return [r.output, r.hN]
        }
    }

    @Test("LSTM, unbatched input [T, in] with (h0, c0) [layers, hidden]")
    func lstmUnbatched() {
        let m = LSTM(inputSize: 2, hiddenSize: 2, numLayers: 2, generator: RandomGenerator(seed: 8))
        check("LSTM(2, 2, unbatched)", m, x: GradientInputs.normal([3, 2], seed: 81), states: states(2, [2, 2], seed: 82)) { x, s in
            let r = m(x, (s[0], s[1])); return [r.output, r.hN, r.cN]
        }
    }
}

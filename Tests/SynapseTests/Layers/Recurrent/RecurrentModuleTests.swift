import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// State-dict names and shapes (as PyTorch's), initialisation, shape checks, dropout and layout
/// equivalences of `RNN`, `LSTM` and `GRU`.
@Suite("Layers: recurrent modules")
struct RecurrentModuleTests {
    /// PyTorch's state_dict keys with shapes, in order, for `gates`·hidden weight rows.
    static func pytorchState(inputSize: Int, hiddenSize: Int, gates: Int, layers: Int, bidirectional: Bool,
                             bias: Bool = true) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        let dirs = bidirectional ? 2 : 1
        for l in 0..<layers {
            for suffix in (bidirectional ? ["", "_reverse"] : [""]) {
                let input = l == 0 ? inputSize : dirs * hiddenSize
                out.append(("weight_ih_l\(l)\(suffix)", [gates * hiddenSize, input]))
                out.append(("weight_hh_l\(l)\(suffix)", [gates * hiddenSize, hiddenSize]))
                if bias {
                    out.append(("bias_ih_l\(l)\(suffix)", [gates * hiddenSize]))
                    out.append(("bias_hh_l\(l)\(suffix)", [gates * hiddenSize]))
                }
            }
        }
        return out
    }

    private func expectState(_ m: Module, _ expected: [(String, [Int])], sourceLocation: SourceLocation = #_sourceLocation) {
        let named = m.namedParameters()
        #expect(named.map(\.0) == expected.map(\.0), sourceLocation: sourceLocation)
        #expect(named.map(\.1.shape) == expected.map(\.1), sourceLocation: sourceLocation)
        #expect(Set(m.stateDict().keys) == Set(expected.map(\.0)), sourceLocation: sourceLocation)
    }

    @Test("parameter names and shapes match PyTorch's state_dict, in order")
    func parameterNames() {
        expectState(RNN(inputSize: 4, hiddenSize: 5, numLayers: 2),
                    Self.pytorchState(inputSize: 4, hiddenSize: 5, gates: 1, layers: 2, bidirectional: false))
        expectState(LSTM(inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true),
                    Self.pytorchState(inputSize: 5, hiddenSize: 7, gates: 4, layers: 2, bidirectional: true))
        expectState(GRU(inputSize: 5, hiddenSize: 6),
                    Self.pytorchState(inputSize: 5, hiddenSize: 6, gates: 3, layers: 1, bidirectional: false))
        expectState(GRU(inputSize: 3, hiddenSize: 2, numLayers: 3, bias: false, bidirectional: true),
                    Self.pytorchState(inputSize: 3, hiddenSize: 2, gates: 3, layers: 3, bidirectional: true, bias: false))
        // The literal keys of torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True).state_dict().
        #expect(LSTM(inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true).namedParameters().map(\.0) == [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        ])
    }

    final class Encoder: Module {
        let embed = Linear(3, 4)
        let lstm = LSTM(inputSize: 4, hiddenSize: 2)
    }

    @Test("nested in a model, names get the property prefix; accessors return the named parameters")
    func nestedNamesAndAccessors() {
        let e = Encoder()
        #expect(e.namedParameters().map(\.0) == ["embed.weight", "embed.bias", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                                  "lstm.bias_ih_l0", "lstm.bias_hh_l0"])
        let g = GRU(inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true)
        let byName = Dictionary(uniqueKeysWithValues: g.namedParameters())
        #expect(g.weightIH(layer: 1, reverse: true) === byName["weight_ih_l1_reverse"])
        #expect(g.weightHH(layer: 0) === byName["weight_hh_l0"])
        #expect(g.biasIH(layer: 1) === byName["bias_ih_l1"])
        #expect(g.biasHH(layer: 0, reverse: true) === byName["bias_hh_l0_reverse"])
        #expect(RNN(inputSize: 2, hiddenSize: 2, bias: false).biasIH() == nil)
        #expect(g.parameterCount == 2 * (9 * 2 + 9 * 3 + 18) + 2 * (9 * 6 + 9 * 3 + 18))
    }

    @Test("save and load round-trip through safetensors")
    func saveLoad() throws {
        let a = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, generator: RandomGenerator(seed: 1))
        let b = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, generator: RandomGenerator(seed: 2))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-lstm-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.save(to: url)
        try b.load(from: url)
        let x = GradientInputs.normal([4, 1, 3], seed: 3)
        #expect(a(x).output.scalars == b(x).output.scalars)
        #expect(throws: (any Error).self) { try GRU(inputSize: 3, hiddenSize: 2).load(from: url) }   // 3·hidden rows, not 4
    }

    @Test("initialisation: U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter, seeded")
    func initialisation() {
        let m = LSTM(inputSize: 10, hiddenSize: 16, numLayers: 2, generator: RandomGenerator(seed: 4))
        let bound: Float = 0.25
        for (name, p) in m.namedParameters() {
            let s = p.value.scalars
            #expect(s.allSatisfy { Swift.abs($0) <= bound }, "\(name) outside ±\(bound)")
            #expect(s.max()! > 0.8 * bound && s.min()! < -0.8 * bound, "\(name) does not fill the range")
        }
        let again = LSTM(inputSize: 10, hiddenSize: 16, numLayers: 2, generator: RandomGenerator(seed: 4))
        #expect(zip(m.parameters(), again.parameters()).allSatisfy { $0.value.scalars == $1.value.scalars })
    }

    @Test("output and state shapes for every layout")
    func shapes() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, bidirectional: true)
        let r = lstm(Tensor.zeros([5, 6, 3]))
        #expect(r.output.shape == [5, 6, 8] && r.hN.shape == [4, 5, 4] && r.cN.shape == [4, 5, 4])
        let gru = GRU(inputSize: 3, hiddenSize: 4, numLayers: 3)
        let g = gru(Tensor.zeros([6, 5, 3]), Tensor.zeros([3, 5, 4]))
        #expect(g.output.shape == [6, 5, 4] && g.hN.shape == [3, 5, 4])
        let rnn = RNN(inputSize: 3, hiddenSize: 4, bidirectional: true)
        let u = rnn(Tensor.zeros([6, 3]))
        #expect(u.output.shape == [6, 8] && u.hN.shape == [2, 4])
    }

    @Test("the last step of the output is h_n of the last layer (forward) and step 0 for reverse")
    func outputMatchesFinalState() {
        let m = GRU(inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: true, bidirectional: true, generator: RandomGenerator(seed: 5))
        let r = m(GradientInputs.normal([2, 4, 2], seed: 6))
        // Layer 1 forward = h_n[2], reverse = h_n[3].
        #expect(r.output.select(dim: 1, index: 3).slice(dim: 1, start: 0, end: 3).scalars == r.hN[2].scalars)
        #expect(r.output.select(dim: 1, index: 0).slice(dim: 1, start: 3, end: 6).scalars == r.hN[3].scalars)
    }

    @Test("batch-first, sequence-first and unbatched inputs give the same numbers")
    func layoutsAgree() {
        let seqFirst = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, generator: RandomGenerator(seed: 7))
        let batchFirst = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, batchFirst: true, bidirectional: true,
                              generator: RandomGenerator(seed: 7))
        let x = GradientInputs.normal([4, 3, 3], seed: 8)     // [T, N, in]
        let h0 = GradientInputs.normal([4, 3, 2], seed: 9), c0 = GradientInputs.normal([4, 3, 2], seed: 10)
        let a = seqFirst(x, (h0, c0)), b = batchFirst(x.transposed(0, 1), (h0, c0))
        expectClose(b.output.transposed(0, 1), a.output, rtol: 1e-6, atol: 1e-6, "batch-first output")
        expectClose(b.hN, a.hN, rtol: 1e-6, atol: 1e-6, "batch-first h_n")
        expectClose(b.cN, a.cN, rtol: 1e-6, atol: 1e-6, "batch-first c_n")
        // Sample 1 alone, unbatched.
        let u = seqFirst(x.select(dim: 1, index: 1), (h0.select(dim: 1, index: 1), c0.select(dim: 1, index: 1)))
        expectClose(u.output, a.output.select(dim: 1, index: 1), rtol: 1e-5, atol: 1e-6, "unbatched output")
        expectClose(u.hN, a.hN.select(dim: 1, index: 1), rtol: 1e-5, atol: 1e-6, "unbatched h_n")
        expectClose(u.cN, a.cN.select(dim: 1, index: 1), rtol: 1e-5, atol: 1e-6, "unbatched c_n")
    }

    @Test("dropout acts between layers in training mode only")
    func dropout() {
        let withDropout = GRU(inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0.5, generator: RandomGenerator(seed: 11))
        let plain = GRU(inputSize: 3, hiddenSize: 8, numLayers: 2, generator: RandomGenerator(seed: 11))
        let x = GradientInputs.normal([5, 2, 3], seed: 12)
        let reference = plain(x).output.scalars
        #expect(withDropout(x).output.scalars != reference, "training mode drops")
        withDropout.eval()
        #expect(withDropout(x).output.scalars == reference, "evaluation mode does not")
        // One layer: nothing lies between layers, so dropout has no effect even in training mode.
        let single = RNN(inputSize: 3, hiddenSize: 4, dropout: 0.5, generator: RandomGenerator(seed: 13))
        let singlePlain = RNN(inputSize: 3, hiddenSize: 4, generator: RandomGenerator(seed: 13))
        #expect(single(x).output.scalars == singlePlain(x).output.scalars)
    }

    @Test("shape errors name the layer, the expected and the actual shapes")
    func shapeErrors() throws {
        let m = LSTM(inputSize: 5, hiddenSize: 7, numLayers: 2, batchFirst: true, bidirectional: true)
        #expect(m.inputShapeError(Tensor.zeros([2, 4, 5])) == nil)
        #expect(m.inputShapeError(Tensor.zeros([4, 5])) == nil)
        let features = try #require(m.inputShapeError(Tensor.zeros([2, 4, 6])))
        #expect(features == "LSTM(5, 7, numLayers: 2, batchFirst: true, bidirectional: true): expected input "
                + "[N, T, 5] (batch-first) or unbatched [T, 5], got [2, 4, 6] (6 features instead of 5)")
        let rank = try #require(m.inputShapeError(Tensor.zeros([5])))
        #expect(rank.contains("got [5] (rank 1)"))
        let empty = try #require(m.inputShapeError(Tensor.zeros([2, 0, 5])))
        #expect(empty.contains("empty sequence"))

        let x = Tensor.zeros([2, 4, 5])
        #expect(m.stateShapeError(Tensor.zeros([4, 2, 7]), name: "h0", for: x) == nil)
        let h0 = try #require(m.stateShapeError(Tensor.zeros([2, 2, 7]), name: "h0", for: x))
        #expect(h0 == "LSTM(5, 7, numLayers: 2, batchFirst: true, bidirectional: true): expected h0 of shape "
                + "[4, 2, 7] [layers·directions, N, hidden] for input [2, 4, 5], got [2, 2, 7]")
        let c0 = try #require(m.stateShapeError(Tensor.zeros([4, 2]), name: "c0", for: Tensor.zeros([3, 5])))
        #expect(c0.contains("expected c0 of shape [4, 7]") && c0.contains("got [4, 2]"))

        let rnn = RNN(inputSize: 4, hiddenSize: 5, nonlinearity: .relu)
        #expect(rnn.inputShapeError(Tensor.zeros([3, 2, 5]))?.hasPrefix("RNN(4, 5, nonlinearity: .relu): expected input [T, N, 4] (sequence-first)") == true)
        #expect(GRU(inputSize: 1, hiddenSize: 2).inputShapeError(Tensor.zeros([3, 2, 2]))?.hasPrefix("GRU(1, 2): ") == true)
    }
}

/// The usage example of docs/layers-recurrent.md, kept compiling and checked.
@Suite("Layers: recurrent docs example")
struct RecurrentDocsExampleTests {
    @Test func usage() {
        let lstm = LSTM(inputSize: 5, hiddenSize: 7, numLayers: 2, batchFirst: true, bidirectional: true)
        let x = Tensor.randn([2, 10, 5])
        let (output, hN, cN) = lstm(x)
        #expect(output.shape == [2, 10, 14] && hN.shape == [4, 2, 7] && cN.shape == [4, 2, 7])
        let h0 = Tensor.zeros([4, 2, 7]), c0 = Tensor.zeros([4, 2, 7])
        let again = lstm(x, (h0, c0))
        #expect(again.output.scalars == output.scalars)
        let gru = GRU(inputSize: 5, hiddenSize: 6)
        let (y, h) = gru(Tensor.randn([10, 2, 5]))
        #expect(y.shape == [10, 2, 6] && h.shape == [1, 2, 6])
        let cell = LSTMCell(inputSize: 5, hiddenSize: 7)
        let (h1, c1) = cell(Tensor.randn([2, 5]))
        #expect(h1.shape == [2, 7] && c1.shape == [2, 7])
    }
}

import SynapseCore

/// A multi-layer gated recurrent unit network (PyTorch `nn.GRU`). Per step, with gate rows ordered r, z, n:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Shapes, state layout and parameter names are those of `RNN` with 3·hiddenSize weight rows
/// (`weight_ih_l0` [3·hidden, in]).
public final class GRU: RNNBase {
    /// Creates the layers with PyTorch's defaults; the weights are drawn from `generator`, as is the dropout mask.
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Float = 0, bidirectional: Bool = false, generator: RandomGenerator = .global) {
        super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }

    /// Runs the network over `input` from `h0` (zeros when nil); returns (output, hN) like PyTorch's `(output, h_n)`.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil) -> (output: Tensor, hN: Tensor) {
        recordingCall {
            let r = forward(input, h0: h0, c0: nil)
            return (r.output, r.h)
        }
    }
}

extension GRU {
    /// The sizes given positionally, as PyTorch users write `nn.GRU(10, 20)`.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                            batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
                            generator: RandomGenerator = .global) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                  dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

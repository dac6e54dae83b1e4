import SynapseCore

/// A multi-layer long short-term memory network (PyTorch `nn.LSTM`, without `proj_size`). Per step,
/// with gate rows ordered i, f, g, o:
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi),  f = σ(…),  g = tanh(…),  o = σ(…)
///     c' = f ⊙ c + i ⊙ g
///     h' = o ⊙ tanh(c')
///
/// Shapes, state layout and parameter names are those of `RNN` with 4·hiddenSize weight rows
/// (`weight_ih_l0` [4·hidden, in]); the cell state c0 / cN has the same shape as h0 / hN.
public final class LSTM: RNNBase {
    /// Creates the layers with PyTorch's defaults; the weights are drawn from `generator`, as is the dropout mask.
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Float = 0, bidirectional: Bool = false, generator: RandomGenerator = .global) {
        super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }

    /// Runs the network over `input` from the initial `(h0, c0)` (zeros when nil); returns
    /// (output, hN, cN) like PyTorch's `(output, (h_n, c_n))`.
    public func callAsFunction(_ input: Tensor, _ state: (h0: Tensor, c0: Tensor)? = nil)
        -> (output: Tensor, hN: Tensor, cN: Tensor) {
        recordingCall {
            let r = forward(input, h0: state?.h0, c0: state?.c0)
            return (r.output, r.h, r.c!)
        }
    }
}

extension LSTM {
    /// The sizes given positionally, as PyTorch users write `nn.LSTM(10, 20)`.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                            batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
                            generator: RandomGenerator = .global) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                  dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

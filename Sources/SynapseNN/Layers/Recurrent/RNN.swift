import SynapseCore

/// A multi-layer Elman recurrent network (PyTorch `nn.RNN`):
/// h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or ReLU with `nonlinearity: .relu`).
///
/// Input [T, N, inputSize] ([N, T, inputSize] with `batchFirst`, or unbatched [T, inputSize]); the
/// optional initial state h0 is [numLayers·directions, N, hiddenSize] (zeros when omitted). Returns
/// the last layer's output at every step, [T, N, directions·hiddenSize] (batch-first when set), and
/// the final hidden state of every layer and direction, `hN` [numLayers·directions, N, hiddenSize]
/// (index layer·directions + direction). Parameters: `weight_ih_l{k}` [hidden, in], `weight_hh_l{k}`
/// [hidden, hidden], `bias_ih_l{k}`, `bias_hh_l{k}` [hidden], `_reverse` for the backward direction;
/// all initialised U(−1/√hidden, 1/√hidden) as in PyTorch.
public final class RNN: RNNBase {
    /// The non-linearity applied at each step.
    public var nonlinearity: RNNNonlinearity { mode == .rnnRelu ? .relu : .tanh }

    /// Creates the layers with PyTorch's defaults; the weights are drawn from `generator`, as is the dropout mask.
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: RNNNonlinearity = .tanh,
                bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
                generator: RandomGenerator = .global) {
        super.init(mode: nonlinearity == .relu ? .rnnRelu : .rnnTanh, inputSize: inputSize, hiddenSize: hiddenSize,
                   numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                   bidirectional: bidirectional, generator: generator)
    }

    /// Runs the network over `input` from `h0` (zeros when nil); returns (output, hN) like PyTorch's `(output, h_n)`.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil) -> (output: Tensor, hN: Tensor) {
        recordingCall {
            let r = forward(input, h0: h0, c0: nil)
            return (r.output, r.h)
        }
    }
}

extension RNN {
    /// The sizes given positionally, as PyTorch users write `nn.RNN(10, 20)`.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: RNNNonlinearity = .tanh,
                            bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
                            generator: RandomGenerator = .global) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, nonlinearity: nonlinearity,
                  bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

import SynapseCore

/// Shared parameters of the single-step cells `RNNCell`, `LSTMCell` and `GRUCell` (PyTorch `nn.RNNCellBase`).
///
/// Parameters are named as in PyTorch's `state_dict`: `weight_ih` [gates·hidden, input], `weight_hh`
/// [gates·hidden, hidden], `bias_ih` and `bias_hh` [gates·hidden], all initialised
/// U(−1/√hidden, 1/√hidden) from the `generator` passed at creation.
public class RNNCellBase: Module {
    /// Features of the input.
    public let inputSize: Int
    /// Features of the hidden state.
    public let hiddenSize: Int
    /// `weight_ih`: [gates·hidden, input].
    public let weightIH: Parameter
    /// `weight_hh`: [gates·hidden, hidden].
    public let weightHH: Parameter
    /// `bias_ih`: [gates·hidden], nil without bias.
    public let biasIH: Parameter?
    /// `bias_hh`: [gates·hidden], nil without bias.
    public let biasHH: Parameter?
    private let kindName: String

    /// Constructor arguments shown by `print(model)`: the sizes as `Linear` shows them.
    public override var extraDescription: String {
        "\(inputSize) → \(hiddenSize)" + (biasIH == nil ? ", bias: false" : "")
    }

    init(kind: String, gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, generator: RandomGenerator) {
        require(inputSize > 0 && hiddenSize > 0,
                     "\(kind): inputSize and hiddenSize must be positive, got \(inputSize) and \(hiddenSize)")
        self.kindName = kind
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot()
        func draw(_ shape: [Int]) -> Parameter {
            Parameter(Init.uniform(shape, low: -bound, high: bound, generator: generator))
        }
        weightIH = draw([gates * hiddenSize, inputSize])
        weightHH = draw([gates * hiddenSize, hiddenSize])
        biasIH = bias ? draw([gates * hiddenSize]) : nil
        biasHH = bias ? draw([gates * hiddenSize]) : nil
        super.init()
    }

    /// The parameters under PyTorch's names and order: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public override func namedLocalParameters() -> [(String, Parameter)] {
        var out = [("weight_ih", weightIH), ("weight_hh", weightHH)]
        if let biasIH, let biasHH { out += [("bias_ih", biasIH), ("bias_hh", biasHH)] }
        return out
    }

    /// Cells own no sub-modules.
    public override func namedChildren() -> [(String, Module)] { [] }

    /// How the cell describes itself in error messages, e.g. `LSTMCell(5, 7)`.
    var cellDescription: String { "\(kindName)(\(inputSize), \(hiddenSize))" }

    /// The message for a bad input or state shape, or nil when `input` is [N, inputSize] or
    /// unbatched [inputSize] and each state is [N, hiddenSize] (or [hiddenSize]).
    func shapeError(_ input: Tensor, states: [(String, Tensor?)]) -> String? {
        guard (input.rank == 1 || input.rank == 2) && input.shape.last == inputSize else {
            return "\(cellDescription): expected input [N, \(inputSize)] or unbatched [\(inputSize)], got \(input.shape)"
        }
        let expected = input.rank == 1 ? [hiddenSize] : [input.shape[0], hiddenSize]
        for case let (name, state?) in states where state.shape != expected {
            return "\(cellDescription): expected \(name) of shape \(expected) for input \(input.shape), got \(state.shape)"
        }
        return nil
    }

    /// Validates shapes and returns the input and states as [N, ...] plus whether to squeeze the result.
    func prepare(_ input: Tensor, states: [(String, Tensor?)]) -> (x: Tensor, states: [Tensor], unbatched: Bool) {
        if let message = shapeError(input, states: states) { requireFailure(message) }
        let unbatched = input.rank == 1
        let x = unbatched ? input.unsqueezed(0) : input
        let zeros = Tensor.zeros([x.shape[0], hiddenSize])
        return (x, states.map { s in s.1.map { unbatched ? $0.unsqueezed(0) : $0 } ?? zeros }, unbatched)
    }

    /// (x·W_ihᵀ + b_ih, h·W_hhᵀ + b_hh).
    func projections(_ x: Tensor, _ h: Tensor) -> (Tensor, Tensor) {
        (linear(x, weight: weightIH.value, bias: biasIH?.value), linear(h, weight: weightHH.value, bias: biasHH?.value))
    }
}

/// One step of an Elman RNN (PyTorch `nn.RNNCell`): h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)
/// (or ReLU). Input [N, inputSize] or unbatched [inputSize]; h [N, hiddenSize] (zeros when nil).
public final class RNNCell: RNNCellBase {
    /// The non-linearity applied.
    public let nonlinearity: RNNNonlinearity

    /// Constructor arguments shown by `print(model)`, with the non-linearity when it is not tanh.
    public override var extraDescription: String {
        super.extraDescription + (nonlinearity == .relu ? ", nonlinearity: relu" : "")
    }

    /// Creates the cell; weights are drawn from `generator`.
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh,
                generator: RandomGenerator = .global) {
        self.nonlinearity = nonlinearity
        super.init(kind: "RNNCell", gates: 1, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }

    /// The next hidden state h' for `input` and `h` (zeros when nil).
    public func callAsFunction(_ input: Tensor, _ h: Tensor? = nil) -> Tensor {
        recordingCall {
            let p = prepare(input, states: [("h", h)])
            let (xi, hh) = projections(p.x, p.states[0])
            let next = nonlinearity == .relu ? relu(xi + hh) : tanh(xi + hh)
            return p.unbatched ? next.squeezed(0) : next
        }
    }
}

/// One LSTM step (PyTorch `nn.LSTMCell`), gate rows ordered i, f, g, o: c' = f ⊙ c + i ⊙ g,
/// h' = o ⊙ tanh(c'). Input [N, inputSize] or unbatched [inputSize]; h and c [N, hiddenSize].
public final class LSTMCell: RNNCellBase {
    /// Creates the cell; weights are drawn from `generator`.
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        super.init(kind: "LSTMCell", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }

    /// The next (h', c') for `input` from `state` (zeros when nil), like PyTorch's `cell(x, (h, c))`.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) -> (h: Tensor, c: Tensor) {
        recordingCall {
            let p = prepare(input, states: [("h", state?.h), ("c", state?.c)])
            let (xi, hh) = projections(p.x, p.states[0])
            let H = hiddenSize
            let gates = xi + hh
            let s = sigmoid(gates)
            let c = s.slice(dim: 1, start: H, end: 2 * H) * p.states[1]
                + s.slice(dim: 1, start: 0, end: H) * tanh(gates.slice(dim: 1, start: 2 * H, end: 3 * H))
            let h = s.slice(dim: 1, start: 3 * H, end: 4 * H) * tanh(c)
            return p.unbatched ? (h.squeezed(0), c.squeezed(0)) : (h, c)
        }
    }
}

/// One GRU step (PyTorch `nn.GRUCell`), gate rows ordered r, z, n:
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
/// Input [N, inputSize] or unbatched [inputSize]; h [N, hiddenSize] (zeros when nil).
public final class GRUCell: RNNCellBase {
    /// Creates the cell; weights are drawn from `generator`.
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        super.init(kind: "GRUCell", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }

    /// The next hidden state h' for `input` and `h` (zeros when nil).
    public func callAsFunction(_ input: Tensor, _ h: Tensor? = nil) -> Tensor {
        recordingCall {
            let p = prepare(input, states: [("h", h)])
            let h = p.states[0]
            let (xi, hh) = projections(p.x, h)
            let H = hiddenSize
            let rz = sigmoid(xi.slice(dim: 1, start: 0, end: 2 * H) + hh.slice(dim: 1, start: 0, end: 2 * H))
            let n = tanh(xi.slice(dim: 1, start: 2 * H, end: 3 * H)
                         + rz.slice(dim: 1, start: 0, end: H) * hh.slice(dim: 1, start: 2 * H, end: 3 * H))
            let next = n + rz.slice(dim: 1, start: H, end: 2 * H) * (h - n)
            return p.unbatched ? next.squeezed(0) : next
        }
    }
}

// The sizes given positionally, as PyTorch users write `nn.LSTMCell(10, 20)`.
extension RNNCell {
    /// `RNNCell(10, 20)`.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh,
                            generator: RandomGenerator = .global) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, nonlinearity: nonlinearity, generator: generator)
    }
}

extension LSTMCell {
    /// `LSTMCell(10, 20)`.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }
}

extension GRUCell {
    /// `GRUCell(10, 20)`.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }
}

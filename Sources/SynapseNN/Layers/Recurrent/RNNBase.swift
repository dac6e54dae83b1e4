import SynapseCore

/// The non-linearity of a plain Elman `RNN` (PyTorch `nonlinearity='tanh'` / `'relu'`).
public enum RNNNonlinearity: String, Sendable {
    /// h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
    case tanh
    /// h' = max(0, W_ih x + b_ih + W_hh h + b_hh).
    case relu
}

/// Shared machinery of the multi-layer recurrent layers `RNN`, `LSTM` and `GRU` (PyTorch `nn.RNNBase`).
///
/// Parameters are kept per layer and direction and named exactly as in PyTorch's `state_dict`:
/// `weight_ih_l{k}` [gates·hidden, in], `weight_hh_l{k}` [gates·hidden, hidden], `bias_ih_l{k}` and
/// `bias_hh_l{k}` [gates·hidden], with the suffix `_reverse` for the backward direction of a
/// bidirectional layer. Layer 0 reads `inputSize` features; deeper layers read the
/// `directions·hiddenSize` features of the layer below.
///
/// One `linear` per layer and direction projects the whole input sequence at once. For LSTM the time
/// loop is then one fused differentiable op (`lstmRecurrence`: a C kernel per step for the gates and
/// cell update, one sgemm per step for the hidden projection, a hand-written backward pass); RNN
/// and GRU loop over time with differentiable tensor ops, so autodiff provides their gradients.
public class RNNBase: Module {
    /// Which recurrence the layer runs.
    enum Mode: Sendable {
        case rnnTanh, rnnRelu, lstm, gru

        /// Stacked gate blocks in the weight rows (PyTorch order: LSTM i, f, g, o; GRU r, z, n).
        var gateCount: Int {
            switch self {
            case .rnnTanh, .rnnRelu: 1
            case .lstm: 4
            case .gru: 3
            }
        }
    }

    let mode: Mode
    /// Features of each element of the input sequence.
    public let inputSize: Int
    /// Features of the hidden state (per direction).
    public let hiddenSize: Int
    /// Number of stacked recurrent layers.
    public let numLayers: Int
    /// Whether the layers have `bias_ih` and `bias_hh`.
    public let bias: Bool
    /// True when input and output are [N, T, features] instead of [T, N, features] (the states stay [layers·dirs, N, hidden]).
    public let batchFirst: Bool
    /// Probability of dropout on the outputs of every layer but the last, in training mode.
    public let dropout: Float
    /// Whether each layer also runs over the sequence backwards and concatenates both outputs.
    public let bidirectional: Bool

    /// Constructor arguments shown by `print(model)`: the sizes as `Linear` shows them, then every
    /// argument that differs from PyTorch's default (as PyTorch's repr does).
    public override var extraDescription: String {
        var parts = ["\(inputSize) → \(hiddenSize)"]
        if numLayers != 1 { parts.append("numLayers: \(numLayers)") }
        if mode == .rnnRelu { parts.append("nonlinearity: relu") }
        if !bias { parts.append("bias: false") }
        if batchFirst { parts.append("batchFirst") }
        if dropout != 0 { parts.append("dropout: \(dropout)") }
        if bidirectional { parts.append("bidirectional") }
        return parts.joined(separator: ", ")
    }

    /// Parameters of layer `l`, direction `d` at index `l·directions + d`: [weight_ih, weight_hh] plus [bias_ih, bias_hh] with bias.
    private let weights: [[Parameter]]
    /// The parameters of every (layer, direction) slot, as `weights` holds them.
    var slotParameters: [[Parameter]] { weights }
    /// The layer's dynamic int8 form, or nil for a float layer. While set, the layer runs its input
    /// and hidden products in int8 in evaluation mode; `quantizeDynamic()` and loading an int8 file
    /// set it, `dequantize()` removes it.
    public internal(set) var quantization: RecurrentQuantization?
    private let generator: RandomGenerator

    init(mode: Mode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Float, bidirectional: Bool, generator: RandomGenerator) {
        let kind: String = switch mode {
        case .rnnTanh, .rnnRelu: "RNN"
        case .lstm: "LSTM"
        case .gru: "GRU"
        }
        require(inputSize > 0 && hiddenSize > 0,
                     "\(kind): inputSize and hiddenSize must be positive, got \(inputSize) and \(hiddenSize)")
        require(numLayers >= 1, "\(kind): numLayers must be at least 1, got \(numLayers)")
        require(dropout >= 0 && dropout <= 1, "\(kind): dropout must be in [0, 1], got \(dropout)")
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.generator = generator
        let dirs = bidirectional ? 2 : 1
        let rows = mode.gateCount * hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot()
        func draw(_ shape: [Int]) -> Parameter {
            Parameter(Init.uniform(shape, low: -bound, high: bound, generator: generator))
        }
        var weights: [[Parameter]] = []
        for layer in 0..<numLayers {
            let layerInput = layer == 0 ? inputSize : dirs * hiddenSize
            for _ in 0..<dirs {
                var p = [draw([rows, layerInput]), draw([rows, hiddenSize])]
                if bias { p += [draw([rows]), draw([rows])] }
                weights.append(p)
            }
        }
        self.weights = weights
        super.init()
    }

    /// 2 for a bidirectional layer, else 1.
    public var numDirections: Int { bidirectional ? 2 : 1 }

    /// The PyTorch class name ("RNN", "LSTM" or "GRU").
    var kindName: String {
        switch mode {
        case .rnnTanh, .rnnRelu: "RNN"
        case .lstm: "LSTM"
        case .gru: "GRU"
        }
    }

    /// How the layer describes itself in error messages, e.g. `LSTM(5, 7, numLayers: 2, bidirectional: true)`.
    var layerDescription: String {
        var s = "\(kindName)(\(inputSize), \(hiddenSize)"
        if numLayers != 1 { s += ", numLayers: \(numLayers)" }
        if mode == .rnnRelu { s += ", nonlinearity: .relu" }
        if batchFirst { s += ", batchFirst: true" }
        if bidirectional { s += ", bidirectional: true" }
        return s + ")"
    }

    private func slot(_ layer: Int, _ reverse: Bool) -> Int {
        require(layer >= 0 && layer < numLayers, "\(layerDescription): layer \(layer) is out of range 0..<\(numLayers)")
        require(!reverse || bidirectional, "\(layerDescription): has no reverse direction")
        return layer * numDirections + (reverse ? 1 : 0)
    }

    /// `weight_ih_l{layer}` (or `..._reverse`): [gates·hidden, layer input features].
    public func weightIH(layer: Int = 0, reverse: Bool = false) -> Parameter { weights[slot(layer, reverse)][0] }
    /// `weight_hh_l{layer}` (or `..._reverse`): [gates·hidden, hidden].
    public func weightHH(layer: Int = 0, reverse: Bool = false) -> Parameter { weights[slot(layer, reverse)][1] }
    /// `bias_ih_l{layer}` (or `..._reverse`): [gates·hidden], nil without bias.
    public func biasIH(layer: Int = 0, reverse: Bool = false) -> Parameter? { bias ? weights[slot(layer, reverse)][2] : nil }
    /// `bias_hh_l{layer}` (or `..._reverse`): [gates·hidden], nil without bias.
    public func biasHH(layer: Int = 0, reverse: Bool = false) -> Parameter? { bias ? weights[slot(layer, reverse)][3] : nil }

    /// The parameters under PyTorch's names, in PyTorch's order: per layer, per direction,
    /// `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (`_reverse` for the backward direction).
    public override func namedLocalParameters() -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        for layer in 0..<numLayers {
            for dir in 0..<numDirections {
                let suffix = "_l\(layer)" + (dir == 1 ? "_reverse" : "")
                let p = weights[layer * numDirections + dir]
                let names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
                for (name, param) in zip(names, p) { out.append((name + suffix, param)) }
            }
        }
        return out
    }

    /// Modules of this kind own no sub-modules.
    public override func namedChildren() -> [(String, Module)] { [] }

    // MARK: Shape checks

    /// The message for a bad input shape, or nil when `input` is [T, N, inputSize] ([N, T, inputSize]
    /// batch-first) or unbatched [T, inputSize].
    func inputShapeError(_ input: Tensor) -> String? {
        let layout = batchFirst ? "[N, T, \(inputSize)] (batch-first)" : "[T, N, \(inputSize)] (sequence-first)"
        let expected = "expected input \(layout) or unbatched [T, \(inputSize)]"
        guard input.rank == 2 || input.rank == 3 else {
            return "\(layerDescription): \(expected), got \(input.shape) (rank \(input.rank))"
        }
        guard input.shape.last == inputSize else {
            return "\(layerDescription): \(expected), got \(input.shape) (\(input.shape.last ?? 0) features instead of \(inputSize))"
        }
        let steps = input.rank == 2 || !batchFirst ? input.shape[0] : input.shape[1]
        guard steps > 0 else { return "\(layerDescription): \(expected), got \(input.shape) (an empty sequence)" }
        return nil
    }

    /// The shape an initial state must have for `input` (whose shape is valid).
    func stateShape(for input: Tensor) -> [Int] {
        let stacked = numLayers * numDirections
        if input.rank == 2 { return [stacked, hiddenSize] }
        return [stacked, batchFirst ? input.shape[0] : input.shape[1], hiddenSize]
    }

    /// The message for an initial state `name` (h0 or c0) of the wrong shape, or nil.
    func stateShapeError(_ state: Tensor, name: String, for input: Tensor) -> String? {
        let expected = stateShape(for: input)
        guard state.shape != expected else { return nil }
        let layout = input.rank == 2 ? "[layers·directions, hidden]" : "[layers·directions, N, hidden]"
        return "\(layerDescription): expected \(name) of shape \(expected) \(layout) for input \(input.shape), got \(state.shape)"
    }

    // MARK: Forward

    /// Runs every layer and direction over `input` from the states `h0` (and `c0` for LSTM),
    /// zeros when nil. Returns the last layer's output sequence and the final states of all layers.
    func forward(_ input: Tensor, h0: Tensor?, c0: Tensor?) -> (output: Tensor, h: Tensor, c: Tensor?) {
        if let message = inputShapeError(input) { requireFailure(message) }
        require(quantization == nil || !isTraining, "\(layerDescription): an int8 layer runs inference only; call eval() before "
                + "using it, or dequantize() to train the float weights")
        if let h0, let message = stateShapeError(h0, name: "h0", for: input) { requireFailure(message) }
        if let c0, let message = stateShapeError(c0, name: "c0", for: input) { requireFailure(message) }

        // Work sequence-first and batched: x [T, N, F], states [layers·dirs, N, H].
        let unbatched = input.rank == 2
        var x = unbatched ? input.unsqueezed(1) : (batchFirst ? input.transposed(0, 1) : input)
        let batch = x.shape[1]
        let h0 = unbatched ? h0?.unsqueezed(1) : h0
        let c0 = unbatched ? c0?.unsqueezed(1) : c0
        let zeros = Tensor.zeros([batch, hiddenSize])

        var finalH: [Tensor] = [], finalC: [Tensor] = []
        for layer in 0..<numLayers {
            var outputs: [Tensor] = []
            for dir in 0..<numDirections {
                let index = layer * numDirections + dir
                let h = h0?.select(dim: 0, index: index) ?? zeros
                let c = mode == .lstm ? (c0?.select(dim: 0, index: index) ?? zeros) : nil
                let r = runDirection(x, weights[index], int8: quantization?.slots[index], h: h, c: c, reverse: dir == 1)
                outputs.append(r.output)
                finalH.append(r.h)
                if let c = r.c { finalC.append(c) }
            }
            x = outputs.count == 1 ? outputs[0] : Tensor.cat(outputs, dim: 2)
            if layer < numLayers - 1 { x = applyDropout(x) }
        }

        var output = batchFirst && !unbatched ? x.transposed(0, 1).contiguous() : x
        var h = Tensor.stack(finalH, dim: 0)
        var c = finalC.isEmpty ? nil : Tensor.stack(finalC, dim: 0)
        if unbatched {
            output = output.squeezed(1)
            h = h.squeezed(1)
            c = c?.squeezed(1)
        }
        return (output, h, c)
    }

    /// Inverted dropout between layers (training mode and dropout > 0 only).
    private func applyDropout(_ x: Tensor) -> Tensor {
        guard isTraining, dropout > 0 else { return x }
        if dropout == 1 { return x * 0 }
        let scale = 1 / (1 - dropout), threshold = dropout
        let mask = Tensor(shape: x.shape) { b in
            for i in b.indices { b[i] = generator.nextUniform() >= threshold ? scale : 0 }
        }
        return x * mask
    }

    /// One direction of one layer over x [T, N, F] from h [N, H] (and c [N, H] for LSTM); `int8`
    /// runs both products in dynamic int8.
    private func runDirection(_ x: Tensor, _ p: [Parameter], int8: (inputHidden: LinearQuantization, hiddenHidden: LinearQuantization)?,
                              h: Tensor, c: Tensor?, reverse: Bool) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let H = hiddenSize
        let wHH = p[1].value, bHH = bias ? p[3].value : nil
        // Input projection of every time step at once: [T, N, gates·H].
        let projected = int8.map { quantizedLinear(x, weights: $0.inputHidden.weights(for: p[0].value), bias: bias ? p[2].value : nil,
                                                   input: .dynamic) }
            ?? linear(x, weight: p[0].value, bias: bias ? p[2].value : nil)
        let hiddenInt8 = int8.map { $0.hiddenHidden.weights(for: wHH) }
        if mode == .lstm, let c, hiddenInt8 == nil {
            // The whole time loop as one fused op (C cell kernels, one sgemm per step, no per-step
            // tape nodes); see `lstmRecurrence`.
            let steps = projected.shape[0]
            let packed = lstmRecurrence(projected, weightHH: wHH, biasHH: bHH, h0: h, c0: c, reverse: reverse)
            // `split` rather than a slice and two selects: its pieces share one backward step that
            // writes their gradients into one buffer shaped like `packed` (in parallel, zeros only
            // for unused pieces), where a slice and selects would each zero a whole [T + 2, N, H]
            // gradient and then add the three.
            let pieces = packed.split([steps, 1, 1], dim: 0)
            return (pieces[0], pieces[1].squeezed(0), pieces[2].squeezed(0))
        }
        let steps = projected.unbind(dim: 0)
        var h = h, c = c
        var outputs = [Tensor](repeating: h, count: steps.count)
        for step in 0..<steps.count {
            let t = reverse ? steps.count - 1 - step : step
            let xt = steps[t]
            let ht = hiddenInt8.map { quantizedLinear(h, weights: $0, bias: bHH, input: .dynamic) } ?? linear(h, weight: wHH, bias: bHH)
            switch mode {
            case .rnnTanh:
                h = tanh(xt + ht)
            case .rnnRelu:
                h = relu(xt + ht)
            case .lstm:
                let gates = (xt + ht).split([H, H, H, H], dim: 1)
                let cNext = sigmoid(gates[1]) * c! + sigmoid(gates[0]) * tanh(gates[2])
                c = cNext
                h = sigmoid(gates[3]) * tanh(cNext)
            case .gru:
                let xs = xt.split([2 * H, H], dim: 1)
                let hs = ht.split([2 * H, H], dim: 1)
                let rz = sigmoid(xs[0] + hs[0]).split([H, H], dim: 1)
                let n = tanh(xs[1] + rz[0] * hs[1])
                h = n + rz[1] * (h - n)
            }
            outputs[t] = h
        }
        return (Tensor.stack(outputs, dim: 0), h, c)
    }
}

import SynapseCore
import SynapseIO

extension ONNXOperators {
    /// ONNX `LSTM`, `GRU` and `RNN` (forward, reverse or bidirectional; default activations), unrolled
    /// over time with differentiable ops in ONNX's own gate orders: LSTM i, o, f, c; GRU z, r, h.
    /// Outputs Y [T, D, N, H] (or [N, T, D, H] with layout 1), Y_h and, for LSTM, Y_c [D, N, H].
    static func recurrent(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> [ONNXImportValue?] {
        let gateCount = node.op == "LSTM" ? 4 : node.op == "GRU" ? 3 : 1
        let layout = try node.int("layout", 0)
        guard layout == 0 || layout == 1 else { throw node.error("layout \(layout) is not 0 or 1") }
        var x = try operands.float(0)
        let w = try operands.float(1), r = try operands.float(2)
        guard x.rank == 3 else { throw node.error("X must be [T, N, input], got \(x.shape)") }
        if layout == 1 { x = x.transposed(0, 1) }
        try ONNXShapeChecks.nonEmpty(x, node, "X")
        let steps = x.shape[0], batch = x.shape[1], inputSize = x.shape[2]
        let directions: [Bool]   // reverse?
        switch try node.string("direction", "forward") {
        case "forward": directions = [false]
        case "reverse": directions = [true]
        case "bidirectional": directions = [false, true]
        case let d: throw node.error("unknown direction '\(d)'")
        }
        let d = directions.count
        guard r.rank == 3, r.shape[0] == d, r.shape[2] > 0, r.shape[1] == gateCount * r.shape[2] else {
            throw node.error("R of shape \(r.shape) is not [\(d), \(gateCount)·hidden, hidden]")
        }
        let h = r.shape[2]
        if let declared = node.attributes["hidden_size"], declared.i != Int64(h) {
            throw node.error("hidden_size \(declared.i) differs from R's \(h)")
        }
        guard w.shape == [d, gateCount * h, inputSize] else { throw node.error("W of shape \(w.shape) is not [\(d), \(gateCount * h), \(inputSize)]") }
        let b = try operands.optionalFloat(3)
        if let b, b.shape != [d, 2 * gateCount * h] { throw node.error("B of shape \(b.shape) is not [\(d), \(2 * gateCount * h)]") }
        if operands.has(4) {
            let lengths = try operands.integers(4)
            guard lengths.values.allSatisfy({ $0 == Int64(steps) }) else {
                throw node.error("sequence_lens \(lengths.values) other than the full length \(steps) are not supported")
            }
        }
        func initial(_ i: Int, _ what: String) throws(ONNXError) -> Tensor? {
            guard var t = try operands.optionalFloat(i) else { return nil }
            if layout == 1 && t.rank == 3 { t = t.transposed(0, 1) }
            guard t.shape == [d, batch, h] else { throw node.error("\(what) of shape \(t.shape) is not [\(d), \(batch), \(h)]") }
            return t
        }
        let h0 = try initial(5, "initial_h"), c0 = node.op == "LSTM" ? try initial(6, "initial_c") : nil
        if node.op == "LSTM", operands.has(7) { throw node.error("peephole weights P are not supported") }
        guard node.attributes["clip"] == nil else { throw node.error("clip is not supported") }
        guard try node.int("input_forget", 0) == 0 else { throw node.error("input_forget is not supported") }
        let defaults: [String: [String]] = ["LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]]
        var useRelu = false
        if let activations = try node.strings("activations") {
            let one = Array(activations.prefix(defaults[node.op]!.count))
            if node.op == "RNN" && one == ["Relu"] { useRelu = true }
            else if one != defaults[node.op]! { throw node.error("activations \(activations) are not supported (only the defaults)") }
        }
        let linearBeforeReset = try node.int("linear_before_reset", 0) != 0
        _ = try ONNXShapeChecks.elementCount([steps, d, batch, h], node)
        try ONNXShapeChecks.work([steps, d, batch, gateCount * h, inputSize + h], node)

        var ys: [Tensor] = [], finalH: [Tensor] = [], finalC: [Tensor] = []
        for (k, reverse) in directions.enumerated() {
            let wk = w.select(dim: 0, index: k), rk = r.select(dim: 0, index: k)
            var projected = matmul(x, wk.transposed())                     // [T, N, G·H]
            var recurrentBias: Tensor? = nil
            if let b {
                let bk = b.select(dim: 0, index: k)
                projected = projected + bk.slice(dim: 0, start: 0, end: gateCount * h)
                recurrentBias = bk.slice(dim: 0, start: gateCount * h, end: 2 * gateCount * h)
            }
            var state = h0?.select(dim: 0, index: k) ?? Tensor.zeros([batch, h])
            var cell = c0?.select(dim: 0, index: k) ?? Tensor.zeros([batch, h])
            var outputs = [Tensor?](repeating: nil, count: steps)
            func gate(_ t: Tensor, _ g: Int) -> Tensor { t.slice(dim: 1, start: g * h, end: (g + 1) * h) }
            for t in (reverse ? Array((0..<steps).reversed()) : Array(0..<steps)) {
                let xt = projected.select(dim: 0, index: t)
                var hidden = matmul(state, rk.transposed())
                if let recurrentBias { hidden = hidden + recurrentBias }
                switch node.op {
                case "LSTM":
                    let g = xt + hidden
                    let i = sigmoid(gate(g, 0)), o = sigmoid(gate(g, 1)), f = sigmoid(gate(g, 2)), c = tanh(gate(g, 3))
                    cell = f * cell + i * c
                    state = o * tanh(cell)
                case "GRU":
                    let z = sigmoid(gate(xt, 0) + gate(hidden, 0)), reset = sigmoid(gate(xt, 1) + gate(hidden, 1))
                    let candidate: Tensor
                    if linearBeforeReset {
                        candidate = tanh(gate(xt, 2) + reset * gate(hidden, 2))
                    } else {
                        var inner = matmul(reset * state, gate(rk.transposed(), 2))
                        if let recurrentBias { inner = inner + recurrentBias.slice(dim: 0, start: 2 * h, end: 3 * h) }
                        candidate = tanh(gate(xt, 2) + inner)
                    }
                    state = (1 - z) * candidate + z * state
                default:
                    state = useRelu ? relu(xt + hidden) : tanh(xt + hidden)
                }
                outputs[t] = state
            }
            ys.append(Tensor.stack(outputs.map { $0! }, dim: 0))
            finalH.append(state)
            finalC.append(cell)
        }
        var y = Tensor.stack(ys, dim: 1)                                    // [T, D, N, H]
        var yh = Tensor.stack(finalH, dim: 0), yc = Tensor.stack(finalC, dim: 0)
        if layout == 1 {
            y = y.permuted([2, 0, 1, 3])
            yh = yh.transposed(0, 1)
            yc = yc.transposed(0, 1)
        }
        return node.op == "LSTM" ? [.float(y), .float(yh), .float(yc)] : [.float(y), .float(yh)]
    }
}

import SynapseCore
import SynapseIO
import SynapseNN

extension RNNBase: ONNXExportable {
    /// One ONNX `RNN`/`LSTM`/`GRU` node per layer (`direction: bidirectional` for two directions),
    /// with zero initial states. Outputs: the output sequence, the final hidden state [layers·dirs, N, H]
    /// and, for an LSTM, the final cell state.
    ///
    /// Gate blocks are reordered from PyTorch's layout: LSTM i,f,g,o → ONNX i,o,f,c; GRU r,z,n → ONNX
    /// z,r,h (with `linear_before_reset`, PyTorch's formula). The reordered weights are new
    /// initializers `<path>.W_l<k>`, `<path>.R_l<k>`, `<path>.B_l<k>` (both directions stacked,
    /// `B` = input bias ‖ hidden bias).
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let input = try firstInput(inputs, self, path: path)
        guard inputs.count == 1 else {
            throw .invalidGraph(reason: "\(type(of: self)) at '\(path)': export starts from zero states; pass only the input sequence, not initial states")
        }
        guard input.rank == 3, input.shape[2] == inputSize else {
            let layout = batchFirst ? "[N, T, \(inputSize)]" : "[T, N, \(inputSize)]"
            throw .invalidGraph(reason: "\(type(of: self))(\(inputSize), \(hiddenSize)) at '\(path)': expected input \(layout), got \(input.shape)")
        }
        let (op, gateOrder): (String, [Int]) = switch self {
        case is LSTM: ("LSTM", [0, 3, 1, 2])
        case is GRU: ("GRU", [1, 0, 2])
        default: ("RNN", [0])
        }
        let dirs = numDirections, h = hiddenSize
        var x = batchFirst ? graph.transpose(input, [1, 0, 2], path: path) : input    // [T, N, F]
        let (steps, batch) = (x.shape[0], x.shape[1])
        var finalH: [ONNXValue] = [], finalC: [ONNXValue] = []
        for layer in 0..<numLayers {
            let directions = (0..<dirs).map { $0 == 1 }
            let w = onnxStackedGates(directions.map { weightIH(layer: layer, reverse: $0).value }, order: gateOrder)
            let r = onnxStackedGates(directions.map { weightHH(layer: layer, reverse: $0).value }, order: gateOrder)
            var nodeInputs: [ONNXValue?] = [x, graph.addInitializer(graph.childPath(path, "W_l\(layer)"), w),
                                            graph.addInitializer(graph.childPath(path, "R_l\(layer)"), r)]
            if bias {
                let b = directions.map { reverse in
                    Tensor.cat([onnxReordered(biasIH(layer: layer, reverse: reverse)!.value, order: gateOrder),
                                onnxReordered(biasHH(layer: layer, reverse: reverse)!.value, order: gateOrder)], dim: 0)
                }
                nodeInputs.append(graph.addInitializer(graph.childPath(path, "B_l\(layer)"), Tensor.stack(b, dim: 0)))
            }
            var attributes: [String: ONNXAttribute] = [
                "hidden_size": .int(h), "direction": .string(bidirectional ? "bidirectional" : "forward"),
            ]
            if op == "GRU" { attributes["linear_before_reset"] = .int(1) }
            if op == "RNN" {
                attributes["activations"] = .strings([String](repeating: onnxNonlinearity == .relu ? "Relu" : "Tanh", count: dirs))
            }
            let stateShape: [Int?] = [dirs, batch, h]
            var outputs: [(shape: [Int?], elementType: ONNXElementType)] = [([steps, dirs, batch, h], .float), (stateShape, .float)]
            if op == "LSTM" { outputs.append((stateShape, .float)) }
            let results = graph.addNode(op, nodeInputs, outputs: outputs, attributes: attributes, path: path)
            // Y [T, dirs, N, H] → [T, N, dirs·H], the next layer's input.
            x = graph.reshape(graph.transpose(results[0], [0, 2, 1, 3], path: path), [0, 0, dirs * h], path: path)
            finalH.append(results[1])
            if op == "LSTM" { finalC.append(results[2]) }
        }
        let output = batchFirst ? graph.transpose(x, [1, 0, 2], path: path) : x
        func concat(_ states: [ONNXValue]) -> ONNXValue {
            states.count == 1 ? states[0]
                : graph.add("Concat", states, shape: [numLayers * dirs, batch, h], attributes: ["axis": .int(0)], path: path)
        }
        return [output, concat(finalH)] + (finalC.isEmpty ? [] : [concat(finalC)])
    }

    /// PyTorch's RNN nonlinearity, read back from the type (`RNN` exposes it; LSTM and GRU use tanh).
    private var onnxNonlinearity: RNNNonlinearity { (self as? RNN)?.nonlinearity ?? .tanh }

    /// `t`'s gate blocks (equal row blocks) in `order`.
    private func onnxReordered(_ t: Tensor, order: [Int]) -> Tensor {
        let rows = t.shape[0] / order.count
        return Tensor.cat(order.map { t.slice(dim: 0, start: $0 * rows, end: ($0 + 1) * rows) }, dim: 0)
    }

    /// The per-direction matrices, gates reordered, stacked into [dirs, gates·H, columns].
    private func onnxStackedGates(_ matrices: [Tensor], order: [Int]) -> Tensor {
        Tensor.stack(matrices.map { onnxReordered($0, order: order) }, dim: 0)
    }
}

import SynapseCore

/// The dynamic int8 form of an `LSTM`, `GRU` or `RNN` (`RNNBase.quantization`; PyTorch's
/// `quantize_dynamic` on `nn.LSTM` / `nn.GRU`): for every layer and direction, int8 input-to-hidden and
/// hidden-to-hidden weights (one scale per gate row, symmetric), and the input of each product — the
/// layer's input sequence, and the hidden state at every step — quantized from its own range at run
/// time (0…127). Biases, gates and the cell state stay float. Like `LinearQuantization`, each int8
/// weight follows the float weight it came from (re-quantized when that changes).
public final class RecurrentQuantization: Sendable {
    /// Per slot (layer · directions + direction): the int8 forms of `weight_ih` and `weight_hh`.
    let slots: [(inputHidden: LinearQuantization, hiddenHidden: LinearQuantization)]

    /// The int8 form of a layer whose slots hold these parameters ([weight_ih, weight_hh, …] each).
    convenience init(parameters: [[Parameter]]) {
        self.init(slots: parameters.map {
            (LinearQuantization(weight: $0[0].value, input: .dynamic), LinearQuantization(weight: $0[1].value, input: .dynamic))
        })
    }

    init(slots: [(inputHidden: LinearQuantization, hiddenHidden: LinearQuantization)]) { self.slots = slots }
}

extension Module {
    /// The `LSTM`, `GRU` and `RNN` layers of the tree with their dotted paths.
    func namedRecurrentLayers() -> [(String, RNNBase)] {
        namedModulePrefixes().compactMap { prefix, module in
            (module as? RNNBase).map { (String(prefix.dropLast()), $0) }
        }
    }

    /// The state names of a recurrent layer's int8 weights: `weight_ih_l{k}` and `weight_hh_l{k}`
    /// (`_reverse` for the backward direction), in slot order, each with its slot and kind (0: ih, 1: hh).
    static func recurrentWeightNames(_ layer: RNNBase) -> [(name: String, slot: Int, kind: Int)] {
        var names: [(String, Int, Int)] = []
        for l in 0..<layer.numLayers {
            for d in 0..<layer.numDirections {
                let suffix = "_l\(l)" + (d == 1 ? "_reverse" : "")
                names.append(("weight_ih" + suffix, l * layer.numDirections + d, 0))
                names.append(("weight_hh" + suffix, l * layer.numDirections + d, 1))
            }
        }
        return names
    }
}

extension RNNBase {
    /// The int8 `weight_ih` and `weight_hh` of layer `layer` (its reverse direction with `reverse`) for
    /// the float weights the layer holds now, or nil for a float layer.
    public func int8Weights(layer: Int = 0, reverse: Bool = false) -> (inputHidden: QuantizedWeights, hiddenHidden: QuantizedWeights)? {
        let (ih, hh) = (weightIH(layer: layer, reverse: reverse), weightHH(layer: layer, reverse: reverse))   // checks the indices
        guard let q = quantization else { return nil }
        let slot = q.slots[layer * numDirections + (reverse ? 1 : 0)]
        return (slot.inputHidden.weights(for: ih.value), slot.hiddenHidden.weights(for: hh.value))
    }
}

import SynapseCore
import SynapseNN

extension MLPClassifier {
    /// Widths of the hidden layers (the recipe's `[512, 256]`).
    public var hiddenSizes: [Int] { layers.layers.compactMap { $0 as? Linear }.dropLast().map(\.outFeatures) }

    /// Classes (outputs of the last layer).
    public var classCount: Int { (layers.layers.last { $0 is Linear } as! Linear).outFeatures }

    /// A narrower copy: `amount` of every hidden layer's neurons removed by the `norm` of their
    /// incoming weights (see `StructuredPruning`), the rest of the weights copied. The result is
    /// an `MLPClassifier` like any other (its `hiddenSizes` are smaller), so it saves, loads and
    /// serves as one.
    public func pruningNeurons(amount: Double, norm: NeuronNorm = .l1) -> MLPClassifier {
        pruningNeurons(toWidths: hiddenSizes.map { StructuredPruning.keptCount($0, amount: amount) }, norm: norm)
    }

    /// A narrower copy with `widths` hidden neurons per layer (each at most the current width),
    /// keeping the neurons of largest `norm`: what an iterative schedule uses to reach an exact
    /// share of the original widths.
    public func pruningNeurons(toWidths widths: [Int], norm: NeuronNorm = .l1) -> MLPClassifier {
        let (chain, _) = StructuredPruning.shrinkingHiddenLayers(of: layers, toWidths: widths, norm: norm)
        let widths = chain.layers.compactMap { $0 as? Linear }.dropLast().map(\.outFeatures)
        let pruned = MLPClassifier(inputSize: inputSize, hiddenSizes: Array(widths), classes: classCount, generator: RandomGenerator(seed: 0))
        let state = Dictionary(uniqueKeysWithValues: chain.stateDict().map { ("layers.\($0.key)", $0.value) })
        // Same architecture, same names: a strict load cannot fail.
        try! pruned.loadStateDict(state, strict: true)
        pruned.train(isTraining)
        return pruned
    }
}

extension CNNClassifier {
    /// A narrower copy: `amount` of the channels of both convolutions and of the hidden neurons
    /// removed by the `norm` of their incoming weights (a channel's filter, a neuron's row), the
    /// next layer losing the matching inputs — for the second convolution, each removed channel's
    /// block of the flattened feature map in the first `Linear`. The result is a `CNNClassifier`
    /// with smaller `widths`.
    public func pruningChannels(amount: Double, norm: NeuronNorm = .l1) -> CNNClassifier {
        pruningChannels(toWidths: widths.map { StructuredPruning.keptCount($0, amount: amount) }, norm: norm)
    }

    /// A narrower copy with `widths` (first convolution's channels, second's, hidden neurons; each
    /// at most the current one), keeping those of largest `norm`.
    public func pruningChannels(toWidths newWidths: [Int], norm: NeuronNorm = .l1) -> CNNClassifier {
        require(newWidths.count == 3, "CNNClassifier.pruningChannels: expected three widths, got \(newWidths)")
        let conv1 = features.layers[0] as! Conv2d, conv2 = features.layers[3] as! Conv2d
        let hidden = classifier.layers[0] as! Linear, head = classifier.layers[2] as! Linear
        let keep1 = StructuredPruning.keptOutputs(of: conv1.weight.value, count: newWidths[0], norm: norm)
        let keep2 = StructuredPruning.keptOutputs(of: conv2.weight.value, count: newWidths[1], norm: norm)
        let keep3 = StructuredPruning.keptOutputs(of: hidden.weight.value, count: newWidths[2], norm: norm)
        let block = hidden.inFeatures / conv2.weight.shape[0]
        let layers: [String: Module] = [
            "features.0.": conv1.keeping(outputs: keep1), "features.3.": conv2.keeping(outputs: keep2, inputs: keep1),
            "classifier.0.": hidden.keeping(outputs: keep3, inputs: keep2, inputBlock: block), "classifier.2.": head.keeping(inputs: keep3),
        ]
        let size = Int(Double(block).squareRoot().rounded()) * 4
        let pruned = CNNClassifier(channels: conv1.weight.shape[1], size: size, classes: head.outFeatures,
                                   widths: [keep1.count, keep2.count, keep3.count], generator: RandomGenerator(seed: 0))
        var state: [String: Tensor] = [:]
        for (prefix, layer) in layers { for (name, value) in layer.stateDict() { state[prefix + name] = value } }
        // Same architecture, same names: a strict load cannot fail.
        try! pruned.loadStateDict(state, strict: true)
        pruned.train(isTraining)
        return pruned
    }
}

import SynapseCore
import SynapseNN

/// A classifier whose logits are a final linear layer applied to a feature vector: the
/// "penultimate features" that out-of-distribution scores such as the Mahalanobis distance
/// (Lee et al. 2018) and embedding-based tools work on.
///
/// `logits(fromPenultimate: penultimateFeatures(x))` equals `callAsFunction(x)`, so one forward
/// pass gives both.
public protocol PenultimateFeatureClassifier: Layer {
    /// The input of the final linear layer, [N, D], for inputs [N, ...].
    func penultimateFeatures(_ x: Tensor) -> Tensor
    /// Class logits [N, classes] from penultimate features [N, D].
    func logits(fromPenultimate features: Tensor) -> Tensor
}

extension CNNClassifier: PenultimateFeatureClassifier {
    /// The hidden layer's activations after its ReLU, [N, widths[2]].
    public func penultimateFeatures(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "CNNClassifier.penultimateFeatures: expected images [N, C, H, W], got \(x.shape)")
        let flat = features(x).flattened(startDim: 1)
        return classifier.layers[1](classifier.layers[0](flat))
    }

    /// The final Linear on `features`.
    public func logits(fromPenultimate features: Tensor) -> Tensor { classifier.layers[2](features) }
}

extension MLPClassifier: PenultimateFeatureClassifier {
    /// The last hidden layer's activations after its ReLU (the input itself, flattened, when there
    /// is no hidden layer).
    public func penultimateFeatures(_ x: Tensor) -> Tensor {
        var h = x.rank == 2 ? x : x.flattened(startDim: 1)
        require(h.shape.last == inputSize, "MLPClassifier.penultimateFeatures: expected \(inputSize) features per example, got input \(x.shape)")
        for layer in layers.layers.dropLast() { h = layer(h) }
        return h
    }

    /// The final Linear on `features`.
    public func logits(fromPenultimate features: Tensor) -> Tensor { layers.layers[layers.layers.count - 1](features) }
}

import SynapseCore
import SynapseNN

/// Gradients of a loss with respect to a model's inputs, the primitive of gradient-based attacks and
/// attributions.
public enum InputGradient {
    /// ∂ mean cross-entropy(model(inputs), labels) / ∂ inputs, same shape as `inputs`.
    ///
    /// The backward pass also reaches the model's parameters; their gradients are put back as they
    /// were, so this can run inside a training step (adversarial training) without corrupting it.
    /// Gradients are recorded even inside `withoutGradients`; a model whose outputs do not depend
    /// on its inputs through the tape (see `reachesInputs`) gives zeros.
    public static func crossEntropy(_ model: any Layer, inputs: Tensor, labels: IntTensor) -> Tensor {
        let parameters = model.parameters()
        let saved = parameters.map { ($0.value.grad, $0.sparseGrad) }
        defer { for (p, g) in zip(parameters, saved) { p.value.grad = g.0; p.sparseGrad = g.1 } }
        // Gradients on even when called from evaluation code that turned them off.
        return withGradients {
            let x = inputs.detached().contiguous().requiringGrad()
            let loss = SynapseCore.crossEntropy(model(x), labels)
            guard loss.requiresGrad else { return Tensor.zeros(inputs.shape) }
            loss.backward()
            return x.grad ?? Tensor.zeros(inputs.shape)
        }
    }

    /// Whether gradients flow from `model`'s outputs back to its inputs, probed on `sample` (one
    /// batch of valid inputs): false for models run outside the autodiff tape (an imported graph
    /// evaluated by an interpreter), which gradient-based attacks cannot attack.
    public static func reachesInputs(_ model: any Layer, sample: Tensor) -> Bool {
        withGradients { model(sample.detached().contiguous().requiringGrad()).requiresGrad }
    }
}

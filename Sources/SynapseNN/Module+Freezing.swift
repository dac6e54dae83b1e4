import SynapseCore

extension Module {
    /// Freezes every parameter of this module and its descendants (PyTorch
    /// `module.requires_grad_(False)`): they stop recording on the tape, get no gradients and are
    /// left untouched by optimizers. Returns `self` for chaining (`bert.embeddings.freeze()`).
    @discardableResult
    public func freeze() -> Self {
        for p in parameters() { p.requiresGrad = false }
        return self
    }

    /// Makes every parameter of this module and its descendants trainable again.
    @discardableResult
    public func unfreeze() -> Self {
        for p in parameters() { p.requiresGrad = true }
        return self
    }

    /// The parameters that train (not frozen), with their dotted names, in definition order.
    public func namedTrainableParameters() -> [(String, Parameter)] { namedParameters().filter { $0.1.requiresGrad } }

    /// The parameters that train (not frozen), in definition order — what an optimizer needs.
    public func trainableParameters() -> [Parameter] { parameters().filter(\.requiresGrad) }

    /// Number of trainable scalars (PyTorch `sum(p.numel() for p in m.parameters() if p.requires_grad)`).
    public var trainableParameterCount: Int { trainableParameters().reduce(0) { $0 + $1.value.count } }

    /// The parameters split for weight decay as fine-tuning recipes do: `decay` holds weight matrices
    /// and embeddings; `noDecay` holds biases and the parameters of normalisation layers
    /// (`LayerNorm`, `BatchNorm*`, `GroupNorm`), which Hugging Face's trainer and most recipes exempt.
    /// Frozen parameters are left out of both.
    public func weightDecayGroups() -> (decay: [Parameter], noDecay: [Parameter]) {
        var decay: [Parameter] = [], noDecay: [Parameter] = []
        func visit(_ module: Module) {
            let normalization = module is LayerNorm || module is GroupNorm || module is BatchNorm
            for (name, p) in module.namedLocalParameters() where p.requiresGrad {
                if normalization || name == "bias" || name.hasSuffix("_bias") { noDecay.append(p) } else { decay.append(p) }
            }
            for (_, child) in module.namedChildren() { visit(child) }
        }
        visit(self)
        return (decay, noDecay)
    }
}

import SynapseCore
import SynapseNN

/// Gradient saliency (Simonyan et al. 2014): ∂ logit_target / ∂ input, by default its absolute
/// value, as Captum's `Saliency(abs=True)`.
public struct Saliency: AttributionMethod {
    /// Whether the gradient's absolute value is returned (Captum's default) or its sign kept.
    public var absolute: Bool

    /// Saliency with the gradient's absolute value, or signed.
    public init(absolute: Bool = true) { self.absolute = absolute }

    /// `saliency`.
    public var name: String { "saliency" }

    /// The (absolute) input gradient of each example's target logit.
    public func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution {
        try TargetOutputs.validate(model, inputs: inputs, targets: targets)
        let (gradient, logits) = TargetOutputs.gradient(model, inputs: inputs, targets: targets)
        let values = absolute ? Tensor(shape: gradient.shape, scalars: gradient.scalars.map(abs)) : gradient
        return Attribution(values: values, method: name, targets: targets, outputs: logits)
    }
}

/// Input × gradient (Shrikumar et al. 2016): the input times ∂ logit_target / ∂ input, as Captum's
/// `InputXGradient`. For a linear model it is each feature's exact contribution relative to zero.
public struct InputXGradient: AttributionMethod {
    /// Input × gradient.
    public init() {}

    /// `input_x_gradient`.
    public var name: String { "input_x_gradient" }

    /// Each input value times the gradient of its example's target logit.
    public func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution {
        try TargetOutputs.validate(model, inputs: inputs, targets: targets)
        let (gradient, logits) = TargetOutputs.gradient(model, inputs: inputs, targets: targets)
        let x = inputs.contiguous().scalars
        let values = Tensor(shape: inputs.shape, scalars: zip(x, gradient.scalars).map { $0 * $1 })
        return Attribution(values: values, method: name, targets: targets, outputs: logits)
    }
}

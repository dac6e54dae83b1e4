import SynapseCore
import SynapseNN

/// Per-input-feature attributions of one or more examples' target outputs: how much each input
/// value contributed to the logit of the class being explained, in the sense of one method.
public struct Attribution: Sendable {
    /// The attributions, the shape of the explained inputs ([N, ...]).
    public let values: Tensor
    /// The method that produced them (`saliency`, `input_x_gradient`, `smoothgrad`,
    /// `integrated_gradients`, `occlusion`, `kernel_shap`).
    public let method: String
    /// The explained output (class index) of each example.
    public let targets: [Int]
    /// Target logit of each example at its input, f(x).
    public let outputs: [Double]
    /// Target logit at the baseline, f(baseline), for methods that compare against one (Integrated
    /// Gradients; KernelSHAP's expected value over the background).
    public let baselineOutputs: [Double]?
    /// Σ attributions − (f(x) − f(baseline)) per example (Captum's convergence delta), for methods
    /// whose attributions should add up to that difference.
    public let convergenceDelta: [Double]?
    /// Integration steps or model evaluations used, where the method has such a count.
    public let steps: Int?

    /// Attributions from parts.
    public init(values: Tensor, method: String, targets: [Int], outputs: [Double], baselineOutputs: [Double]? = nil,
                convergenceDelta: [Double]? = nil, steps: Int? = nil) {
        self.values = values
        self.method = method
        self.targets = targets
        self.outputs = outputs
        self.baselineOutputs = baselineOutputs
        self.convergenceDelta = convergenceDelta
        self.steps = steps
    }

    /// |convergence delta| / |f(x) − f(baseline)| per example: the completeness error relative to
    /// the difference the attributions explain (the absolute delta where that difference is below
    /// 10⁻⁶, so a baseline that scores like the input does not divide by zero). Nil without a delta.
    public var completenessError: [Double]? {
        guard let delta = convergenceDelta, let base = baselineOutputs else { return nil }
        return zip(delta, zip(outputs, base)).map { d, pair in
            let difference = abs(pair.0 - pair.1)
            return difference < 1e-6 ? abs(d) : abs(d) / difference
        }
    }

    /// The attributions of example `index` as a flat array.
    public func example(_ index: Int) -> [Float] {
        require(index >= 0 && index < values.shape[0], "Attribution.example: index \(index) outside 0..<\(values.shape[0])")
        let size = values.count / max(values.shape[0], 1)
        let all = values.contiguous().scalars
        return Array(all[(index * size)..<((index + 1) * size)])
    }
}

/// A way of attributing a model's target outputs to its inputs.
public protocol AttributionMethod: Sendable {
    /// The method's name in reports and JSON.
    var name: String { get }
    /// Attributions of `model`'s logits `targets[n]` for each example `inputs[n]`. The model should
    /// be in evaluation mode (dropout off, running BatchNorm statistics), as Captum expects.
    /// - Throws: `ExplanationError` for settings that do not fit the inputs.
    func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution
}

/// Why an explanation could not be computed.
public enum ExplanationError: Error, CustomStringConvertible, Equatable {
    /// Method settings out of range or not fitting the inputs.
    case invalidSettings(String)
    /// Inputs, targets or background data that cannot be explained.
    case invalidData(String)
    /// No counterfactual was found within the search budget and the allowed changes.
    case noCounterfactual(String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidSettings(let reason): "explanation settings: \(reason)"
        case .invalidData(let reason): "explanation data: \(reason)"
        case .noCounterfactual(let reason): "counterfactual: \(reason)"
        }
    }
}

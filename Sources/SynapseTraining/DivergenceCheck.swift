import SynapseCore
import SynapseNN

/// The per-step divergence checks every training loop runs: the loss (already read back each step),
/// every parameter's gradient before the optimizer step (one vectorised pass over each, see
/// `Tensor.isAllFinite`), anomaly-mode reports, and the weights once per epoch.
///
/// Parameter names come from the model's `namedParameters()` and are looked up only when a check
/// fails, so the checks cost nothing beyond the passes themselves.
public struct DivergenceCheck {
    /// The parameters checked (the optimizer's).
    public let parameters: [Parameter]
    /// The model whose parameter names appear in errors (nil: "parameter #i").
    public let model: Module?

    /// Checks `parameters`, naming them after `model`'s parameters.
    public init(parameters: [Parameter], model: Module?) {
        self.parameters = parameters
        self.model = model
    }

    /// Throws `TrainingError.nonFinite` when the loss is NaN or ±inf (a huge finite loss passes;
    /// the gradient and weight checks catch what it turns into).
    public func loss(_ value: Float, epoch: Int?, step: Int) throws(TrainingError) {
        if !value.isFinite { throw .nonFinite(NonFiniteValue(quantity: .loss, epoch: epoch, step: step, value: value)) }
    }

    /// Throws `TrainingError.nonFinite` naming the first parameter whose gradient holds NaN or ±inf.
    /// Call it after `backward()` (and clipping) and before `optimizer.step()`.
    public func gradients(epoch: Int?, step: Int) throws(TrainingError) {
        for (i, p) in parameters.enumerated() {
            // A sparse table's gradient is only its touched rows; they are checked the same way.
            if let sparse = p.sparseGrad, let bad = sparse.values.first(where: { !$0.isFinite }) {
                throw .nonFinite(NonFiniteValue(quantity: .gradient(parameter: name(of: p, index: i)), epoch: epoch, step: step, value: bad))
            }
            guard let g = p.grad, !g.isAllFinite else { continue }
            throw .nonFinite(NonFiniteValue(quantity: .gradient(parameter: name(of: p, index: i)), epoch: epoch, step: step,
                                            value: g.firstNonFinite()?.value ?? .nan))
        }
    }

    /// Throws `TrainingError.nonFinite` naming the first parameter whose value holds NaN or ±inf.
    public func weights(epoch: Int?, step: Int) throws(TrainingError) {
        for (i, p) in parameters.enumerated() where !p.value.isAllFinite {
            throw .nonFinite(NonFiniteValue(quantity: .weight(parameter: name(of: p, index: i)), epoch: epoch, step: step,
                                            value: p.value.firstNonFinite()?.value ?? .nan))
        }
    }

    /// Throws `TrainingError.anomaly` when anomaly mode is on and has recorded a report.
    public func anomaly(epoch: Int?, step: Int) throws(TrainingError) {
        if let report = AnomalyDetection.firstAnomaly { throw .anomaly(report, epoch: epoch, step: step) }
    }

    /// The model's name for `p`, or "parameter #i (shape …)".
    private func name(of p: Parameter, index: Int) -> String {
        model?.namedParameters().first { $0.1 === p }?.0 ?? "parameter #\(index) (shape \(p.shape))"
    }
}

import SynapseCore

/// The knobs of knowledge distillation (Hinton, Vinyals & Dean 2015).
public struct DistillationSettings: Sendable, Equatable {
    /// Softens both models' logits before they are compared (T > 1 shows the student the
    /// teacher's "dark knowledge": how it ranks the wrong classes).
    public var temperature: Float = 4
    /// Weight of the soft (teacher) term; the hard-label cross-entropy gets `1 - alpha`.
    public var alpha: Float = 0.5

    /// Settings with the given temperature and soft-term weight.
    public init(temperature: Float = 4, alpha: Float = 0.5) {
        self.temperature = temperature
        self.alpha = alpha
    }
}

/// The distillation loss of a batch: `alpha · T² · KL(softmax(teacher/T) ‖ softmax(student/T))
/// + (1 − alpha) · crossEntropy(student, labels)`, as PyTorch writes it with
/// `F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean") * T * T`.
/// T² keeps the soft term's gradients on the scale of the hard term's as T grows.
///
/// The teacher's logits carry no gradient. The KL divergence is computed as the soft
/// cross-entropy minus the teacher's entropy (a constant of the batch), so the loss value is
/// PyTorch's, not merely its gradient.
public func distillationLoss(studentLogits: Tensor, teacherLogits: Tensor, labels: IntTensor,
                             settings: DistillationSettings = DistillationSettings()) -> Tensor {
    checkSameShape(studentLogits, teacherLogits, "distillationLoss")
    let t = settings.temperature
    require(t.isFinite && t > 0, "distillationLoss: temperature must be positive, got \(t)")
    require(settings.alpha.isFinite && (0...1).contains(settings.alpha), "distillationLoss: alpha must be in [0, 1], got \(settings.alpha)")
    let hard = crossEntropy(studentLogits, labels)
    guard settings.alpha > 0 else { return hard }
    let softTeacher = teacherLogits.detached() / t
    let p = softmax(softTeacher, dim: 1)
    let negativeEntropy = (p * logSoftmax(softTeacher, dim: 1)).sum(dim: 1).mean()
    let kl = crossEntropy(studentLogits / t, probabilities: p) + negativeEntropy
    let soft = kl * (settings.alpha * t * t)
    return settings.alpha == 1 ? soft : soft + hard * (1 - settings.alpha)
}

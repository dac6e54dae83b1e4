import Foundation
import SynapseCore

/// How `klDivergence` combines its per-element terms (PyTorch `kl_div`'s `reduction=`).
public enum KLDivReduction: String, Sendable {
    /// Average over every element (PyTorch's default, which is not the KL divergence per example).
    case mean
    /// Sum over every element.
    case sum
    /// Sum divided by the batch size (the first dimension): the mathematical KL divergence per
    /// example, what distillation wants.
    case batchMean = "batchmean"
    /// Keep the per-element terms.
    case none
}

/// Kullback-Leibler divergence KL(target ‖ p) with `input` = log p (PyTorch `kl_div`): per element
/// t·(log t − input), 0 where t = 0; with `logTarget` the target is given as log t too and the
/// term is eᵗ·(t − input). Differentiable in `input` and `target`.
public func klDivergence(_ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false) -> Tensor {
    checkSameShape(input, target, "klDivergence")
    let terms: Tensor
    if logTarget {
        terms = exp(target) * (target - input)
    } else {
        // t·log t, 0 at t = 0 with a finite gradient there: the log reads 1 where t is 0.
        let positive = target.detached().gt(0)
        let safe = Tensor.where(positive, target, Tensor(1))
        terms = target * log(safe) - target * input
    }
    switch reduction {
    case .mean: return terms.mean()
    case .sum: return terms.sum()
    case .batchMean: return terms.sum() / Float(Swift.max(input.rank > 0 ? input.shape[0] : 1, 1))
    case .none: return terms
    }
}

/// Negative log-likelihood of counts `target` under a Poisson distribution (PyTorch
/// `poisson_nll_loss`): with `logInput` the input is the log-rate and the term is eˣ − t·x,
/// otherwise the rate and x − t·log(x + eps). `full` adds Stirling's approximation of log t!
/// (t·log t − t + ½·log(2πt), for t > 1), which does not change the gradient.
public func poissonNLLLoss(_ input: Tensor, _ target: Tensor, logInput: Bool = true, full: Bool = false, eps: Float = 1e-8,
                           reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "poissonNLLLoss")
    let t = target.detached()
    var loss = logInput ? exp(input) - t * input : input - t * log(input + eps)
    if full {
        let stirling = Tensor(shape: t.shape, scalars: t.scalars.map { v -> Float in
            v > 1 ? v * Foundation.log(v) - v + 0.5 * Foundation.log(2 * Float.pi * v) : 0
        })
        loss = loss + stirling
    }
    return reduction.apply(loss)
}

/// Negative log-likelihood of `target` under Gaussians of mean `input` and variance `variance`
/// (PyTorch `gaussian_nll_loss`): ½·(log v + (x − t)²/v), plus ½·log 2π with `full`. The variance
/// has the input's shape, or one value per row (the input's shape with the last dimension 1 or
/// dropped); it is clamped at `eps` for stability, the clamp passing the gradient through as
/// PyTorch's does. A negative variance is a programming error.
public func gaussianNLLLoss(_ input: Tensor, _ target: Tensor, variance: Tensor, full: Bool = false, eps: Float = 1e-6,
                            reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "gaussianNLLLoss")
    var v = variance
    if v.shape != input.shape {
        if input.rank >= 1, v.shape == Array(input.shape.dropLast()) {
            v = v.unsqueezed(v.rank)
        } else {
            require(input.rank >= 1 && v.rank == input.rank && Array(v.shape.dropLast()) == Array(input.shape.dropLast()) && v.shape.last == 1,
                    "gaussianNLLLoss: variance shape \(variance.shape) does not match input shape \(input.shape) (same shape, or one per row)")
        }
    }
    require(v.scalars.allSatisfy { $0 >= 0 }, "gaussianNLLLoss: the variance has negative entries")
    // max(v, eps) in value, v's gradient unchanged (PyTorch clamps in place under no_grad).
    let clamped = v + (Tensor.maximum(v.detached(), Tensor(eps)) - v.detached())
    var loss = 0.5 * (log(clamped) + square(input - target) / clamped)
    if full { loss = loss + 0.5 * Float(Foundation.log(2 * Double.pi)) }
    return reduction.apply(loss)
}

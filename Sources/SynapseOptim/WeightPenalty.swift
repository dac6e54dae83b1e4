import SynapseCore
import SynapseNN

/// L1 and L2 penalties on parameters, added to the loss: `l1·Σ|w| + (l2/2)·Σw²`.
///
/// `penalty(_:)` builds the differentiable term to add to a loss; `addGradients(to:)` adds its
/// gradient (`l1·sign(w) + l2·w`) straight to the parameters' gradients after `backward()`, which
/// is cheaper and gives the same update. The L2 gradient equals SGD/Adam's coupled `weightDecay`;
/// for decoupled weight decay use `AdamW`.
public struct WeightPenalty: Sendable {
    /// L1 coefficient.
    public var l1: Double
    /// L2 coefficient (the gradient of the penalty is `l2·w`).
    public var l2: Double

    /// Creates the penalty.
    public init(l1: Double = 0, l2: Double = 0) {
        require(l1 >= 0 && l2 >= 0, "WeightPenalty: coefficients must be non-negative, got l1 \(l1), l2 \(l2)")
        self.l1 = l1
        self.l2 = l2
    }

    /// True when both coefficients are zero.
    public var isZero: Bool { l1 == 0 && l2 == 0 }

    /// The scalar penalty `l1·Σ|w| + (l2/2)·Σw²` (differentiable; add it to the loss).
    public func penalty(_ parameters: [Parameter]) -> Tensor {
        var total = Tensor(0)
        // The coefficients are Double in the API; they meet the tensors as Float.
        let (a, halfB) = (Float(l1), Float(l2 / 2))
        for p in parameters {
            if l1 != 0 { total = total + abs(p.value).sum() * a }
            if l2 != 0 { total = total + square(p.value).sum() * halfB }
        }
        return total
    }

    /// Adds the penalty's gradient `l1·sign(w) + l2·w` to each parameter's gradient (parameters
    /// without a gradient are skipped, as optimizers skip them). A row-sparse table is refused: a
    /// penalty on every row is not lazy, and one on the touched rows only is a different penalty
    /// (the recommendation job applies that one in its loss).
    public func addGradients(to parameters: [Parameter]) {
        guard !isZero else { return }
        for p in parameters {
            require(p.sparseGrad == nil, "WeightPenalty: a parameter of shape \(p.shape) has a row-sparse gradient (Embedding(sparse: true)); "
                    + "penalise the rows a batch touches in the loss instead")
            guard let g0 = p.grad else { continue }
            var g = g0.contiguous()
            let (a, b) = (Float(l1), Float(l2))
            p.value.contiguous().withUnsafeBufferPointer { w in
                g.withUnsafeMutableBufferPointer { gb in
                    for i in gb.indices {
                        let sign: Float = w[i] > 0 ? 1 : (w[i] < 0 ? -1 : 0)
                        gb[i] += a * sign + b * w[i]
                    }
                }
            }
            p.grad = g
        }
    }
}

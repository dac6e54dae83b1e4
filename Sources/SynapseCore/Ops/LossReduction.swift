/// How a loss combines per-element values (PyTorch `reduction=`).
///
/// Lives in SynapseCore (not with the other losses) because the fused loss ops here take it.
public enum Reduction: String, Sendable {
    /// Average over elements.
    case mean
    /// Sum over elements.
    case sum
    /// Keep per-element losses.
    case none

    /// Applies this reduction to per-element losses.
    public func apply(_ losses: Tensor) -> Tensor {
        switch self {
        case .mean: return losses.mean()
        case .sum: return losses.sum()
        case .none: return losses
        }
    }
}

/// Checks that prediction and target shapes agree, naming the loss.
package func checkSameShape(_ a: Tensor, _ b: Tensor, _ loss: String) {
    require(a.shape == b.shape, "\(loss): input shape \(a.shape) does not match target shape \(b.shape)")
}

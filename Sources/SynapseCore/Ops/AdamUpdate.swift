/// The scalars of one Adam / AdamW update (see `adamUpdate`).
package struct AdamHyperparameters: Sendable {
    /// Learning rate.
    package var learningRate: Float
    /// Decay rates of the first and second moment estimates.
    package var beta1: Float, beta2: Float
    /// Term added to the denominator for stability.
    package var eps: Float
    /// Weight decay coefficient: an L2 term added to the gradient, or AdamW's decoupled decay.
    package var weightDecay: Float
    /// True for AdamW's decoupled weight decay.
    package var decoupled: Bool
    /// 1 − β₁ᵗ and 1 − β₂ᵗ for the step t being taken.
    package var biasCorrection1: Float, biasCorrection2: Float

    /// Collects the scalars of one update.
    package init(learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, decoupled: Bool,
                 biasCorrection1: Float, biasCorrection2: Float) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.biasCorrection1 = biasCorrection1
        self.biasCorrection2 = biasCorrection2
    }
}

/// One Adam step (PyTorch `torch.optim.Adam` / `AdamW`, AMSGrad when `maxSquaredAverage` is given)
/// in place on `weight` and the moment buffers, by the backend's fused update (`CPUBackend.adamStep`).
/// Not recorded on the tape: an optimizer update, not an op on values.
///
/// Every buffer must have `gradient`'s element count; pass uniquely referenced tensors so the
/// writes do not copy them.
package func adamUpdate(_ weight: inout Tensor, gradient: Tensor, average m: inout Tensor, squaredAverage v: inout Tensor,
                        maxSquaredAverage vmax: inout Tensor?, _ h: AdamHyperparameters) {
    let grad = gradient.contiguous()
    require(weight.count == grad.count && m.count == grad.count && v.count == grad.count
                && (vmax == nil || vmax!.count == grad.count),
            "adamUpdate: buffers of \(weight.count), \(m.count), \(v.count) elements for a gradient of \(grad.count)")
    grad.withUnsafeBufferPointer { g in
        weight.withUnsafeMutableBufferPointer { w in
            m.withUnsafeMutableBufferPointer { mb in
                v.withUnsafeMutableBufferPointer { vb in
                    let run = { (mx: UnsafeMutablePointer<Float>?) in
                        CPUBackend.adamStep(w.baseAddress!, gradient: g.baseAddress!, average: mb.baseAddress!,
                                            squaredAverage: vb.baseAddress!, maxSquaredAverage: mx, count: w.count, h)
                    }
                    if var mx = vmax {
                        vmax = nil   // `mx` is then the only reference: updated in place
                        mx.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
                        vmax = mx
                    } else {
                        run(nil)
                    }
                }
            }
        }
    }
}

import SynapseCore
import SynapseNN

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay
/// (PyTorch `torch.optim.SGD` semantics: the first step initialises the momentum buffer to the gradient).
public final class SGD: Optimizer, MomentumScheduling {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Double
    /// Momentum factor (0 disables momentum); `OneCycleLR` may cycle it between steps.
    public var momentum: Double
    /// Dampening of the gradient added to the momentum buffer.
    public let dampening: Double
    /// L2 penalty added to the gradient.
    public let weightDecay: Double
    /// Use Nesterov momentum.
    public let nesterov: Bool
    private var state = ParameterState()

    /// Creates the optimizer.
    public init(_ parameters: [Parameter], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) {
        require(learningRate >= 0, "SGD: learning rate must be non-negative, got \(learningRate)")
        require(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires momentum > 0 and zero dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// Creates the optimizer with PyTorch's `lr` label: `SGD(model.parameters(), lr: 0.1)`.
    public convenience init(_ parameters: [Parameter], lr: Double, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false) {
        self.init(parameters, learningRate: lr, momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov)
    }

    /// Applies one update.
    public func step() {
        for (i, p) in parameters.enumerated() {
            requireDenseGradient(p, index: i, "SGD")
            guard let g0 = p.grad else { continue }
            let grad = g0.contiguous()
            // Hyperparameters are Double in the API; the update runs in Float, like the parameters.
            let (lr, wd, mu, damp, nest) = (Float(learningRate), Float(weightDecay), Float(momentum), Float(dampening), nesterov)
            var buf: Tensor? = nil
            var fresh = false
            if mu != 0 {
                fresh = state.get(i, "momentum_buffer") == nil
                buf = state.buffer(i, "momentum_buffer", shape: p.shape)
                state.remove(i, "momentum_buffer")  // keep the buffer uniquely referenced while updating
            }
            grad.withUnsafeBufferPointer { g in
                p.value.withUnsafeMutableBufferPointer { w in
                    if var b = buf {
                        b.withUnsafeMutableBufferPointer { m in
                            for j in 0..<w.count {
                                let d = g[j] + wd * w[j]
                                m[j] = fresh ? d : mu * m[j] + (1 - damp) * d
                                w[j] -= lr * (nest ? d + mu * m[j] : m[j])
                            }
                        }
                        buf = b
                    } else {
                        for j in 0..<w.count { w[j] -= lr * (g[j] + wd * w[j]) }
                    }
                }
            }
            if let buf { state.set(i, "momentum_buffer", buf) }
        }
    }

    /// The momentum factor, as cycled by one-cycle schedules.
    public var scheduledMomentum: Double {
        get { momentum }
        set { momentum = newValue }
    }

    /// Momentum buffers by "index.momentum_buffer".
    public func stateDict() -> [String: Tensor] { state.export() }

    /// Restores momentum buffers.
    public func loadStateDict(_ s: [String: Tensor]) throws(OptimizerError) {
        state = try ParameterState.restore(s, parameters: parameters)
    }
}

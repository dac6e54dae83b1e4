import SynapseCore
import SynapseNN

/// RMSprop (PyTorch `torch.optim.RMSprop`): `sq = α·sq + (1−α)·g²`, optionally centred by the
/// running mean gradient, then `p -= lr·g/(√sq + eps)` or, with momentum,
/// `buf = μ·buf + g/(√sq + eps); p -= lr·buf`. `weightDecay` is an L2 term added to the gradient.
public final class RMSprop: Optimizer, MomentumScheduling {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Double
    /// Smoothing constant of the squared-gradient average.
    public let alpha: Double
    /// Term added to the denominator for stability.
    public let eps: Float
    /// L2 penalty added to the gradient.
    public let weightDecay: Double
    /// Momentum factor (0 disables momentum).
    public var momentum: Double
    /// Normalise by the estimated variance instead of the raw second moment.
    public let centered: Bool
    private var state = ParameterState()
    private var steps: [Int: Int] = [:]

    /// Creates the optimizer (PyTorch's defaults).
    public init(_ parameters: [Parameter], learningRate: Double = 0.01, alpha: Double = 0.99, eps: Float = 1e-8,
                weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
        require(learningRate >= 0, "RMSprop: learning rate must be non-negative, got \(learningRate)")
        require(alpha >= 0, "RMSprop: alpha must be non-negative, got \(alpha)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
    }

    /// Creates the optimizer with PyTorch's `lr` label: `RMSprop(model.parameters(), lr: 0.01)`.
    public convenience init(_ parameters: [Parameter], lr: Double, alpha: Double = 0.99, eps: Float = 1e-8,
                            weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
        self.init(parameters, learningRate: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                  momentum: momentum, centered: centered)
    }

    /// The momentum factor, as cycled by one-cycle schedules.
    public var scheduledMomentum: Double {
        get { momentum }
        set { momentum = newValue }
    }

    /// Applies one update.
    public func step() {
        for (i, p) in parameters.enumerated() {
            requireDenseGradient(p, index: i, "RMSprop")
            guard let g0 = p.grad else { continue }
            let grad = g0.contiguous()
            steps[i] = (steps[i] ?? 0) + 1
            var sq = state.buffer(i, "square_avg", shape: p.shape)
            var buf = momentum > 0 ? state.buffer(i, "momentum_buffer", shape: p.shape) : Tensor.zeros([0])
            var gavg = centered ? state.buffer(i, "grad_avg", shape: p.shape) : Tensor.zeros([0])
            // Drop the stored copies so the buffers are uniquely referenced and update in place.
            state.remove(i, "square_avg"); state.remove(i, "momentum_buffer"); state.remove(i, "grad_avg")
            // Hyperparameters are Double in the API; the update runs in Float, like the parameters.
            let (lr, a, e, wd, mu, c) = (Float(learningRate), Float(alpha), eps, Float(weightDecay), Float(momentum), centered)
            grad.withUnsafeBufferPointer { g in
                p.value.withUnsafeMutableBufferPointer { w in
                    sq.withUnsafeMutableBufferPointer { s in
                        buf.withUnsafeMutableBufferPointer { b in
                            gavg.withUnsafeMutableBufferPointer { ga in
                                for j in 0..<w.count {
                                    let d = g[j] + wd * w[j]
                                    s[j] = a * s[j] + (1 - a) * d * d
                                    var denom: Float
                                    if c {
                                        ga[j] = a * ga[j] + (1 - a) * d
                                        denom = (s[j] - ga[j] * ga[j]).squareRoot() + e
                                    } else {
                                        denom = s[j].squareRoot() + e
                                    }
                                    if mu > 0 {
                                        b[j] = mu * b[j] + d / denom
                                        w[j] -= lr * b[j]
                                    } else {
                                        w[j] -= lr * d / denom
                                    }
                                }
                            }
                        }
                    }
                }
            }
            state.set(i, "square_avg", sq)
            if momentum > 0 { state.set(i, "momentum_buffer", buf) }
            if centered { state.set(i, "grad_avg", gavg) }
        }
    }

    /// Running averages, momentum buffers and step counts by "index.name".
    public func stateDict() -> [String: Tensor] {
        state.export(steps: steps)
    }

    /// Restores the state.
    public func loadStateDict(_ s: [String: Tensor]) throws(OptimizerError) {
        (state, steps) = try ParameterState.restoreWithSteps(s, parameters: parameters)
    }
}

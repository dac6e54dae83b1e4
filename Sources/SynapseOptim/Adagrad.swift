import SynapseCore
import SynapseNN

/// Adagrad (PyTorch `torch.optim.Adagrad`): accumulates squared gradients and divides each step by
/// their square root, `sum += g²; p -= lr/(1 + (t−1)·lrDecay) · g/(√sum + eps)`; `weightDecay` is
/// an L2 term added to the gradient.
public final class Adagrad: Optimizer {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Float
    /// Learning-rate decay per step.
    public let lrDecay: Float
    /// L2 penalty added to the gradient.
    public let weightDecay: Float
    /// Starting value of the squared-gradient sum.
    public let initialAccumulatorValue: Float
    /// Term added to the denominator for stability.
    public let eps: Float
    private var state = ParameterState()
    private var steps: [Int: Int] = [:]

    /// Creates the optimizer (PyTorch's defaults).
    public init(_ parameters: [Parameter], learningRate: Float = 0.01, lrDecay: Float = 0, weightDecay: Float = 0,
                initialAccumulatorValue: Float = 0, eps: Float = 1e-10) {
        require(learningRate >= 0, "Adagrad: learning rate must be non-negative, got \(learningRate)")
        require(initialAccumulatorValue >= 0, "Adagrad: initialAccumulatorValue must be non-negative, got \(initialAccumulatorValue)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.lrDecay = lrDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.eps = eps
    }

    /// Creates the optimizer with PyTorch's `lr` label: `Adagrad(model.parameters(), lr: 0.01)`.
    public convenience init(_ parameters: [Parameter], lr: Float, lrDecay: Float = 0, weightDecay: Float = 0,
                            initialAccumulatorValue: Float = 0, eps: Float = 1e-10) {
        self.init(parameters, learningRate: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                  initialAccumulatorValue: initialAccumulatorValue, eps: eps)
    }

    /// Applies one update.
    public func step() {
        for (i, p) in parameters.enumerated() {
            guard let g0 = p.grad else { continue }
            let grad = g0.contiguous()
            let t = (steps[i] ?? 0) + 1
            steps[i] = t
            var sum = state.get(i, "sum") ?? Tensor.full(p.shape, initialAccumulatorValue)
            state.remove(i, "sum")  // keep the buffer uniquely referenced while updating
            let clr = learningRate / (1 + Float(t - 1) * lrDecay)
            let (wd, e) = (weightDecay, eps)
            grad.withUnsafeBufferPointer { g in
                p.value.withUnsafeMutableBufferPointer { w in
                    sum.withUnsafeMutableBufferPointer { s in
                        for j in 0..<w.count {
                            let d = g[j] + wd * w[j]
                            s[j] += d * d
                            w[j] -= clr * d / (s[j].squareRoot() + e)
                        }
                    }
                }
            }
            state.set(i, "sum", sum)
        }
    }

    /// Squared-gradient sums and step counts by "index.name".
    public func stateDict() -> [String: Tensor] {
        state.export(steps: steps)
    }

    /// Restores sums and step counts.
    public func loadStateDict(_ s: [String: Tensor]) throws(OptimizerError) {
        (state, steps) = try ParameterState.restoreWithSteps(s, parameters: parameters)
    }
}

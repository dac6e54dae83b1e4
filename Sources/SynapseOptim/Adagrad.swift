import SynapseCore
import SynapseNN

/// Adagrad (PyTorch `torch.optim.Adagrad`): accumulates squared gradients and divides each step by
/// their square root, `sum += g²; p -= lr/(1 + (t−1)·lrDecay) · g/(√sum + eps)`; `weightDecay` is
/// an L2 term added to the gradient.
public final class Adagrad: Optimizer {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Double
    /// Learning-rate decay per step.
    public let lrDecay: Double
    /// L2 penalty added to the gradient.
    public let weightDecay: Double
    /// Starting value of the squared-gradient sum.
    public let initialAccumulatorValue: Double
    /// Term added to the denominator for stability.
    public let eps: Float
    private var state = ParameterState()
    private var steps: [Int: Int] = [:]

    /// Creates the optimizer (PyTorch's defaults).
    public init(_ parameters: [Parameter], learningRate: Double = 0.01, lrDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, eps: Float = 1e-10) {
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
    public convenience init(_ parameters: [Parameter], lr: Double, lrDecay: Double = 0, weightDecay: Double = 0,
                            initialAccumulatorValue: Double = 0, eps: Float = 1e-10) {
        self.init(parameters, learningRate: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                  initialAccumulatorValue: initialAccumulatorValue, eps: eps)
    }

    /// Applies one update.
    public func step() {
        for (i, p) in parameters.enumerated() {
            requireDenseGradient(p, index: i, "Adagrad")
            guard let g0 = p.grad else { continue }
            let grad = g0.contiguous()
            let t = (steps[i] ?? 0) + 1
            steps[i] = t
            var sum = state.get(i, "sum") ?? Tensor.full(p.shape, Float(initialAccumulatorValue))
            state.remove(i, "sum")  // keep the buffer uniquely referenced while updating
            // Hyperparameters are Double in the API; the update runs in Float, like the parameters.
            let clr = Float(learningRate / (1 + Double(t - 1) * lrDecay))
            let (wd, e) = (Float(weightDecay), eps)
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

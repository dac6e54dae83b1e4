import Foundation
import SynapseCore
import SynapseNN

/// Adam (Kingma & Ba) with optional AMSGrad; `weightDecay` is an L2 term added to the gradient,
/// exactly as PyTorch's `torch.optim.Adam`. See `AdamW` for decoupled weight decay.
public class Adam: Optimizer, MomentumScheduling {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Double
    /// Exponential decay rates of the first and second moment estimates (`OneCycleLR` may cycle
    /// the first between steps).
    public var betas: (Double, Double)
    /// Term added to the denominator for stability.
    public let eps: Float
    /// Weight decay coefficient.
    public let weightDecay: Double
    /// Keep the running maximum of the second moment (AMSGrad).
    public let amsgrad: Bool
    /// True for AdamW's decoupled weight decay.
    let decoupled: Bool
    private var state = ParameterState()
    private var steps: [Int: Int] = [:]

    /// Creates the optimizer.
    public convenience init(_ parameters: [Parameter], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                  weightDecay: weightDecay, amsgrad: amsgrad, decoupled: false)
    }

    /// Creates the optimizer with PyTorch's `lr` label: `Adam(model.parameters(), lr: 1e-3)`.
    public convenience init(_ parameters: [Parameter], lr: Double, betas: (Double, Double) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: lr, betas: betas, eps: eps,
                  weightDecay: weightDecay, amsgrad: amsgrad, decoupled: false)
    }

    /// The one designated initialiser; `decoupled` selects AdamW's weight decay.
    init(parameters: [Parameter], learningRate: Double, betas: (Double, Double), eps: Float, weightDecay: Double,
         amsgrad: Bool, decoupled: Bool) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupled = decoupled
        validate()
    }

    private func validate() {
        require(learningRate >= 0, "Adam: learning rate must be non-negative, got \(learningRate)")
        require((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Adam: betas must be in [0, 1), got \(betas)")
    }

    /// Applies one update.
    public func step() {
        for (i, p) in parameters.enumerated() {
            requireDenseGradient(p, index: i, "Adam")
            guard let g0 = p.grad else { continue }
            let grad = g0.contiguous()
            let t = (steps[i] ?? 0) + 1
            steps[i] = t
            var m = state.buffer(i, "exp_avg", shape: p.shape)
            var v = state.buffer(i, "exp_avg_sq", shape: p.shape)
            var vmax: Tensor? = amsgrad ? state.buffer(i, "max_exp_avg_sq", shape: p.shape) : nil
            // Drop the stored copies so the buffers are uniquely referenced and update in place.
            state.remove(i, "exp_avg"); state.remove(i, "exp_avg_sq"); state.remove(i, "max_exp_avg_sq")
            // Hyperparameters are Double in the API; the kernel runs in Float, like the parameters.
            let (b1, b2) = (Float(betas.0), Float(betas.1))
            // The bias corrections use the Float βs the kernel decays the moments with, so that
            // 1 − β^t normalises exactly those moments (the Double βs drift from PyTorch over steps).
            let bc1 = 1 - Float(Foundation.pow(Double(b1), Double(t)))
            let bc2 = 1 - Float(Foundation.pow(Double(b2), Double(t)))
            let hyper = AdamHyperparameters(learningRate: Float(learningRate), beta1: b1, beta2: b2, eps: eps,
                                            weightDecay: Float(weightDecay), decoupled: decoupled,
                                            biasCorrection1: bc1, biasCorrection2: bc2)
            adamUpdate(&p.value, gradient: grad, average: &m, squaredAverage: &v, maxSquaredAverage: &vmax, hyper)
            state.set(i, "exp_avg", m)
            state.set(i, "exp_avg_sq", v)
            if let vmax { state.set(i, "max_exp_avg_sq", vmax) }
        }
    }

    /// β₁, the momentum term cycled by one-cycle schedules (PyTorch cycles `betas[0]` for Adam).
    public var scheduledMomentum: Double {
        get { betas.0 }
        set { betas.0 = newValue }
    }

    /// Moment buffers and step counts by "index.name".
    public func stateDict() -> [String: Tensor] {
        state.export(steps: steps)
    }

    /// Restores moment buffers and step counts.
    public func loadStateDict(_ s: [String: Tensor]) throws(OptimizerError) {
        (state, steps) = try ParameterState.restoreWithSteps(s, parameters: parameters)
    }
}

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch `torch.optim.AdamW`.
public final class AdamW: Adam {
    /// Creates the optimizer (default weight decay 0.01, as PyTorch).
    public convenience init(_ parameters: [Parameter], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                   weightDecay: weightDecay, amsgrad: amsgrad, decoupled: true)
    }

    /// Creates the optimizer with PyTorch's `lr` label: `AdamW(model.parameters(), lr: 1e-3)`.
    public convenience init(_ parameters: [Parameter], lr: Double, betas: (Double, Double) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: lr, betas: betas, eps: eps,
                  weightDecay: weightDecay, amsgrad: amsgrad, decoupled: true)
    }
}


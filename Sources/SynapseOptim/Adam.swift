import Foundation
import SynapseCore
import SynapseNN

/// Adam (Kingma & Ba) with optional AMSGrad; `weightDecay` is an L2 term added to the gradient,
/// exactly as PyTorch's `torch.optim.Adam`. See `AdamW` for decoupled weight decay.
public class Adam: Optimizer, MomentumScheduling {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Float
    /// Exponential decay rates of the first and second moment estimates (`OneCycleLR` may cycle
    /// the first between steps).
    public var betas: (Float, Float)
    /// Term added to the denominator for stability.
    public let eps: Float
    /// Weight decay coefficient.
    public let weightDecay: Float
    /// Keep the running maximum of the second moment (AMSGrad).
    public let amsgrad: Bool
    /// True for AdamW's decoupled weight decay.
    let decoupled: Bool
    private var state = ParameterState()
    private var steps: [Int: Int] = [:]

    /// Creates the optimizer.
    public convenience init(_ parameters: [Parameter], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                  weightDecay: weightDecay, amsgrad: amsgrad, decoupled: false)
    }

    /// Creates the optimizer with PyTorch's `lr` label: `Adam(model.parameters(), lr: 1e-3)`.
    public convenience init(_ parameters: [Parameter], lr: Float, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: lr, betas: betas, eps: eps,
                  weightDecay: weightDecay, amsgrad: amsgrad, decoupled: false)
    }

    /// The one designated initialiser; `decoupled` selects AdamW's weight decay.
    init(parameters: [Parameter], learningRate: Float, betas: (Float, Float), eps: Float, weightDecay: Float,
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
            guard let g0 = p.grad else { continue }
            let grad = g0.contiguous()
            let t = (steps[i] ?? 0) + 1
            steps[i] = t
            var m = state.buffer(i, "exp_avg", shape: p.shape)
            var v = state.buffer(i, "exp_avg_sq", shape: p.shape)
            var vmax: Tensor? = amsgrad ? state.buffer(i, "max_exp_avg_sq", shape: p.shape) : nil
            // Drop the stored copies so the buffers are uniquely referenced and update in place.
            state.remove(i, "exp_avg"); state.remove(i, "exp_avg_sq"); state.remove(i, "max_exp_avg_sq")
            let bc1 = 1 - Float(Foundation.pow(Double(betas.0), Double(t)))
            let bc2 = 1 - Float(Foundation.pow(Double(betas.1), Double(t)))
            let hyper = AdamHyperparameters(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps,
                                            weightDecay: weightDecay, decoupled: decoupled,
                                            biasCorrection1: bc1, biasCorrection2: bc2)
            adamUpdate(&p.value, gradient: grad, average: &m, squaredAverage: &v, maxSquaredAverage: &vmax, hyper)
            state.set(i, "exp_avg", m)
            state.set(i, "exp_avg_sq", v)
            if let vmax { state.set(i, "max_exp_avg_sq", vmax) }
        }
    }

    /// β₁, the momentum term cycled by one-cycle schedules (PyTorch cycles `betas[0]` for Adam).
    public var scheduledMomentum: Float {
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
    public convenience init(_ parameters: [Parameter], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 0.01, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                   weightDecay: weightDecay, amsgrad: amsgrad, decoupled: true)
    }

    /// Creates the optimizer with PyTorch's `lr` label: `AdamW(model.parameters(), lr: 1e-3)`.
    public convenience init(_ parameters: [Parameter], lr: Float, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 0.01, amsgrad: Bool = false) {
        self.init(parameters: parameters, learningRate: lr, betas: betas, eps: eps,
                  weightDecay: weightDecay, amsgrad: amsgrad, decoupled: true)
    }
}


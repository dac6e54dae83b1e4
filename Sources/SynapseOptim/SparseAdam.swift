import Foundation
import SynapseCore
import SynapseNN

/// Lazy Adam for embedding tables with row-sparse gradients (PyTorch `torch.optim.SparseAdam`).
///
/// For a parameter with a `sparseGrad` (an `Embedding(sparse: true)` table) only the touched rows
/// move: their moments decay and update, every other row keeps its value *and* its moments, so a
/// step costs what the batch touched rather than the size of the table. The update is PyTorch's:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g² on those rows, then
/// p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε), with t the parameter's step count.
///
/// A parameter with both kinds of gradient (a table also used densely, e.g. tied weights) is
/// updated by their sum over every row. Unlike PyTorch, which refuses them, parameters with dense gradients (a two-tower model's MLPs)
/// are accepted and updated by the same rule over all rows, so one optimizer can train a whole
/// recommendation model. There is no weight decay, as in PyTorch (a decay of untouched rows would
/// not be lazy).
public final class SparseAdam: Optimizer, MomentumScheduling {
    /// Parameters updated.
    public let parameters: [Parameter]
    /// Learning rate.
    public var learningRate: Double
    /// Exponential decay rates of the first and second moments.
    public var betas: (Double, Double)
    /// Term added to √v.
    public let eps: Float
    private var state = ParameterState()
    private var steps: [Int: Int] = [:]

    /// Creates the optimizer (PyTorch's defaults).
    public init(_ parameters: [Parameter], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Float = 1e-8) {
        require(learningRate >= 0, "SparseAdam: learning rate must be non-negative, got \(learningRate)")
        require((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "SparseAdam: betas must be in [0, 1), got \(betas)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
    }

    /// Applies one update to every parameter with a gradient, sparse or dense.
    public func step() {
        for (i, p) in parameters.enumerated() {
            var sparse = p.sparseGrad
            var dense = p.grad?.contiguous()
            guard sparse != nil || dense != nil else { continue }
            require(p.value.rank >= 1, "SparseAdam: parameter \(i) is a scalar; give it to Adam")
            if let s = sparse {
                require(s.tableRows == p.shape[0] && s.rowWidth == p.shape.dropFirst().reduce(1, *),
                        "SparseAdam: parameter \(i) of shape \(p.shape) has a row-sparse gradient for a [\(s.tableRows), \(s.rowWidth)] table")
                // A table also used densely (tied weights) has both: the sum updates every row.
                if let d = dense {
                    dense = d + s.dense().reshaped(p.shape)
                    sparse = nil
                }
            }
            let t = (steps[i] ?? 0) + 1
            steps[i] = t
            let (b1, b2) = (Float(betas.0), Float(betas.1))
            let bc1 = 1 - Float(Foundation.pow(Double(b1), Double(t)))
            let bc2 = 1 - Float(Foundation.pow(Double(b2), Double(t)))
            let stepSize = Float(learningRate) * bc2.squareRoot() / bc1
            var m = state.buffer(i, "exp_avg", shape: p.shape)
            var v = state.buffer(i, "exp_avg_sq", shape: p.shape)
            // Dropped from the state so the buffers are uniquely referenced and update in place.
            state.remove(i, "exp_avg"); state.remove(i, "exp_avg_sq")
            let width = p.shape.dropFirst().reduce(1, *)
            let rows: [Int], values: [Float]
            if let sparse {
                rows = sparse.rows
                values = sparse.values
            } else {
                rows = Array(0..<p.shape[0])
                values = dense!.scalars
            }
            let eps = self.eps
            // In place through the parameter: a copy of the table would cost what sparsity saves.
            p.value.withUnsafeMutableBufferPointer { wp in
                m.withUnsafeMutableBufferPointer { mp in
                    v.withUnsafeMutableBufferPointer { vp in
                        for (s, r) in rows.enumerated() {
                            for j in 0..<width {
                                let g = values[s * width + j], k = r * width + j
                                mp[k] = b1 * mp[k] + (1 - b1) * g
                                vp[k] = b2 * vp[k] + (1 - b2) * g * g
                                wp[k] -= stepSize * mp[k] / (vp[k].squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            state.set(i, "exp_avg", m)
            state.set(i, "exp_avg_sq", v)
        }
    }

    /// β₁, the momentum term a one-cycle schedule may cycle.
    public var scheduledMomentum: Double {
        get { betas.0 }
        set { betas.0 = newValue }
    }

    /// Moment buffers and step counts by "index.name", as `Adam`.
    public func stateDict() -> [String: Tensor] { state.export(steps: steps) }

    /// Restores moment buffers and step counts.
    public func loadStateDict(_ s: [String: Tensor]) throws(OptimizerError) {
        (state, steps) = try ParameterState.restoreWithSteps(s, parameters: parameters)
    }
}

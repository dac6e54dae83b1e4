import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// Gradient checking against finite differences.
///
/// For an op `y = op(inputs)` the checker uses the scalar f(inputs) = Σᵢ yᵢ·wᵢ with fixed random
/// weights w (seeded, same shape as y). Its autodiff gradient is obtained by `y.backward(w)`, which is
/// exactly the gradient of `(op(inputs) * w).sum()`; the numerical gradient is the 4th-order
/// central difference
///
///     ∂f/∂x ≈ (f(x − 2h) − 8 f(x − h) + 8 f(x + h) − f(x + 2h)) / 12h,
///
/// where the op runs in Float32 but the weighted sum and the stencil are computed in Double, so the
/// only rounding noise is that of the op's own outputs.
///
/// Step and tolerance: h = 1e-2·max(1, |x|), rounded down to a power of two so that x ± h and x ± 2h
/// are (almost always) exactly representable. The stencil's truncation error is h⁴·|f⁽⁵⁾|/30 ≈ 3e-10
/// for the smooth ops tested; Float32 rounding of the outputs (relative 6e-8, a few ulps after a
/// chain of ops, on values of order 1–10) is amplified by (1+8+8+1)/12h ≈ 150, giving ~1e-5 … 1e-4.
/// A gradient element passes when |autodiff − numeric| ≤ 1e-3·max(1, |numeric|): an order of
/// magnitude above that noise, yet far below the size of any real VJP mistake (a wrong factor, sign,
/// a missing broadcast reduction or index all produce errors of order |gradient|). Inputs must stay
/// more than 2h away from kinks (relu/abs at 0, clamp bounds, ties of max/min), which `GradientInputs`
/// arranges.
enum FiniteDifference {
    /// Relative step: h = step·max(1, |x|) (then rounded down to a power of two).
    static let step = 1e-2
    /// Pass when |autodiff − numeric| ≤ tolerance·max(1, |numeric|).
    static let tolerance = 1e-3

    /// Fixed weights that turn a tensor output into a scalar (deterministic for a given shape).
    static func weights(like shape: [Int]) -> Tensor {
        Tensor.uniform(shape, low: -1, high: 1, generator: RandomGenerator(seed: 0x5EED))
    }

    /// Σ y·w in Double.
    static func project(_ y: Tensor, _ w: [Float]) -> Double {
        zip(y.scalars, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The power-of-two step for an element of value `x`.
    static func stepSize(at x: Float) -> Double {
        Foundation.exp2((Foundation.log2(step * Swift.max(1, Double(Swift.abs(x))))).rounded(.down))
    }

    /// The numerical gradient of `f(inputs) = Σ op(inputs)·w` with respect to every element of every
    /// input (row-major), by the 5-point stencil. Runs without recording gradients.
    static func numericGradients(of op: ([Tensor]) -> Tensor, at inputs: [Tensor], weights w: [Float]) -> [[Double]] {
        let base = inputs.map { $0.detached() }
        return withoutGradients {
            base.indices.map { i in
                let values = base[i].scalars
                return values.indices.map { j in
                    let x = values[j]
                    let h = stepSize(at: x)
                    func f(_ k: Double) -> Double {
                        var args = base
                        // Copy-on-write: this writes a private copy, `base` is unchanged.
                        args[i].withUnsafeMutableBufferPointer { $0[j] = Float(Double(x) + k * h) }
                        return project(op(args), w)
                    }
                    return (f(-2) - 8 * f(-1) + 8 * f(1) - f(2)) / (12 * h)
                }
            }
        }
    }

    /// Checks the autodiff gradient of `op` with respect to each of `inputs` against finite
    /// differences. `inputs` are used as given (their layout is kept, so strided views are
    /// tested as such) after being detached and marked as requiring gradients.
    static func check(_ name: String, _ inputs: [Tensor], tolerance: Double = tolerance,
                      sourceLocation: SourceLocation = #_sourceLocation, _ op: ([Tensor]) -> Tensor) {
        let leaves = inputs.map { $0.detached().requiringGrad() }
        let y = op(leaves)
        guard y.requiresGrad else {
            Issue.record("\(name): output does not require gradients", sourceLocation: sourceLocation)
            return
        }
        let w = weights(like: y.shape)
        y.backward(w)
        let numeric = numericGradients(of: op, at: inputs, weights: w.scalars)
        for (i, leaf) in leaves.enumerated() {
            guard let grad = leaf.grad else {
                Issue.record("\(name): input \(i) received no gradient", sourceLocation: sourceLocation)
                continue
            }
            guard grad.shape == leaf.shape else {
                Issue.record("\(name): gradient of input \(i) has shape \(grad.shape), input \(leaf.shape)",
                             sourceLocation: sourceLocation)
                continue
            }
            expectGradient(grad.scalars.map(Double.init), numeric[i], tolerance: tolerance,
                           "\(name) input \(i)", shape: leaf.shape, sourceLocation: sourceLocation)
        }
    }

    /// Expects `analytic` ≈ `numeric` element-wise within `tolerance·max(1, |numeric|)`; reports the
    /// worst element on failure.
    static func expectGradient(_ analytic: [Double], _ numeric: [Double], tolerance: Double, _ label: String,
                               shape: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
        var worst = -1, worstRatio = 0.0
        for j in analytic.indices {
            let err = Swift.abs(analytic[j] - numeric[j])
            let ratio = err.isNaN ? Double.infinity : err / (tolerance * Swift.max(1, Swift.abs(numeric[j])))
            if ratio > worstRatio || worst < 0 { worst = j; worstRatio = ratio }
        }
        guard worst >= 0, worstRatio > 1 else { return }
        Issue.record("""
            \(label): autodiff gradient \(analytic[worst]) vs finite difference \(numeric[worst]) at \
            \(multiIndex(worst, shape: shape)) (error \(String(format: "%.3g", worstRatio))× the tolerance \(tolerance))
            """, sourceLocation: sourceLocation)
    }
}

/// Seeded test inputs that keep clear of the points where ops are not differentiable.
enum GradientInputs {
    /// Normal samples (std `std`) moved at least `margin` away from each of `kinks`.
    static func normal(_ shape: [Int], seed: UInt64, std: Float = 1, avoiding kinks: [Float] = [0], margin: Float = 0.1) -> Tensor {
        let g = RandomGenerator(seed: seed)
        return Tensor(shape: shape) { b in
            for i in b.indices {
                var v = std * g.nextNormal()
                for k in kinks where Swift.abs(v - k) < margin { v = v < k ? k - margin : k + margin }
                b[i] = v
            }
        }
    }

    /// Uniform samples in [low, high) (e.g. positive inputs for log and sqrt).
    static func uniform(_ shape: [Int], seed: UInt64, low: Float, high: Float) -> Tensor {
        Tensor.uniform(shape, low: low, high: high, generator: RandomGenerator(seed: seed))
    }

    /// Distinct values `spacing` apart, centred on 0, in a seeded random order: no ties for max/min,
    /// and no element can overtake another within the finite-difference steps.
    static func distinct(_ shape: [Int], seed: UInt64, spacing: Float = 0.25) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { (Float($0) - Float(n - 1) / 2) * spacing }
        var g = RandomGenerator(seed: seed)
        values.shuffle(using: &g)
        return Tensor(shape: shape, scalars: values)
    }
}

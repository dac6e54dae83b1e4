import Foundation
import SynapseCore
import SynapseNN

/// Gradient clipping and gradient norms over a set of parameters (PyTorch `clip_grad_norm_`,
/// `clip_grad_value_`, and the total norm those report). Parameters without a gradient are skipped;
/// a row-sparse gradient (`Embedding(sparse: true)`) counts with its touched rows, as PyTorch's
/// sparse gradients do.
public enum GradientClipping {
    /// The `normType`-norm of all gradients together, as if concatenated into one vector (∞ gives
    /// the largest magnitude). Accumulated in Double.
    public static func totalNorm(_ parameters: [Parameter], normType: Double = 2) -> Double {
        require(normType > 0, "GradientClipping.totalNorm: normType must be positive, got \(normType)")
        var acc = 0.0
        for p in parameters {
            let sparse = p.sparseGrad
            guard sparse != nil || p.grad != nil else { continue }
            func add(_ b: UnsafeBufferPointer<Float>) {
                if normType.isInfinite {
                    for v in b { acc = Swift.max(acc, Double(Swift.abs(v))) }
                } else if normType == 2 {
                    for v in b { acc += Double(v) * Double(v) }
                } else if normType == 1 {
                    for v in b { acc += Double(Swift.abs(v)) }
                } else {
                    for v in b { acc += Foundation.pow(Double(Swift.abs(v)), normType) }
                }
            }
            if let sparse { sparse.values.withUnsafeBufferPointer(add) }
            if let g = p.grad { g.contiguous().withUnsafeBufferPointer(add) }
        }
        if normType.isInfinite || normType == 1 { return acc }
        return normType == 2 ? acc.squareRoot() : Foundation.pow(acc, 1 / normType)
    }

    /// Scales all gradients by `min(1, maxNorm / (total + 1e-6))` so their joint norm is at most
    /// `maxNorm`, and returns the total norm *before* clipping (PyTorch `clip_grad_norm_`).
    @discardableResult
    public static func clipByNorm(_ parameters: [Parameter], maxNorm: Double, normType: Double = 2) -> Double {
        clipByNorm(parameters, maxNorm: maxNorm, normType: normType, total: totalNorm(parameters, normType: normType))
    }

    /// Clips as `clipByNorm(_:maxNorm:normType:)` by a total norm computed elsewhere: when the
    /// model's parameters are spread over processes (pipeline stages), `total` is the norm of all
    /// of them (`combinedNorm` of each process's `totalNorm`), and every process scales its own.
    @discardableResult
    public static func clipByNorm(_ parameters: [Parameter], maxNorm: Double, normType: Double, total: Double) -> Double {
        require(maxNorm >= 0, "GradientClipping.clipByNorm: maxNorm must be non-negative, got \(maxNorm)")
        let coefficient = Swift.min(maxNorm / (total + 1e-6), 1)
        // PyTorch multiplies even by 1; skipping that changes nothing numerically.
        guard coefficient < 1 else { return total }
        let c = Float(coefficient)
        for p in parameters { scale(p) { $0 * c } }
        return total
    }

    /// The `normType`-norm of several groups of gradients together, from each group's own norm
    /// (∞: the largest; else the p-th root of the sum of p-th powers).
    public static func combinedNorm(_ norms: [Double], normType: Double) -> Double {
        if normType.isInfinite { return norms.max() ?? 0 }
        let sum = norms.reduce(0) { $0 + Foundation.pow($1, normType) }
        return normType == 1 ? sum : normType == 2 ? sum.squareRoot() : Foundation.pow(sum, 1 / normType)
    }

    /// Clamps every gradient element into `[-maxValue, maxValue]` (PyTorch `clip_grad_value_`).
    public static func clipByValue(_ parameters: [Parameter], maxValue: Double) {
        require(maxValue >= 0, "GradientClipping.clipByValue: maxValue must be non-negative, got \(maxValue)")
        let m = Float(maxValue)
        for p in parameters { scale(p) { Swift.min(Swift.max($0, -m), m) } }
    }

    /// Replaces every element `v` of the gradient of `p` by `f(v)`.
    static func scale(_ p: Parameter, _ f: (Float) -> Float) {
        if var sparse = p.sparseGrad {
            sparse.mapValues(f)
            p.sparseGrad = sparse
        }
        guard let g0 = p.grad else { return }
        var g = g0.contiguous()
        g.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = f(b[i]) } }
        p.grad = g
    }
}

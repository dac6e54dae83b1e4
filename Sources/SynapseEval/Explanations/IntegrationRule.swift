import Foundation

/// How Integrated Gradients approximates the path integral ∫₀¹ ∇f(b + α(x − b)) dα: the points α and
/// their weights, Captum's `method` argument.
public enum IntegrationRule: String, Sendable, CaseIterable {
    /// Gauss-Legendre quadrature (Captum's default): exact for polynomials of degree 2n − 1.
    case gaussLegendre = "gausslegendre"
    /// The trapezoid rule on n evenly spaced points including both ends.
    case riemannTrapezoid = "riemann_trapezoid"
    /// Left Riemann sum.
    case riemannLeft = "riemann_left"
    /// Right Riemann sum.
    case riemannRight = "riemann_right"
    /// Midpoint Riemann sum.
    case riemannMiddle = "riemann_middle"

    /// The `steps` points α in [0, 1] and their weights (summing to 1), as Captum's
    /// `approximation_parameters` gives them.
    public func nodes(steps n: Int) -> (alphas: [Double], weights: [Double]) {
        precondition(n >= 1, "IntegrationRule.nodes: steps must be ≥ 1, got \(n)")
        let d = Double(n)
        switch self {
        case .gaussLegendre:
            let (x, w) = Self.gaussLegendre(n)
            return (x.map { 0.5 * ($0 + 1) }, w.map { 0.5 * $0 })
        case .riemannTrapezoid:
            guard n > 1 else { return ([0.5], [1]) }
            let h = 1 / (d - 1)
            let alphas = (0..<n).map { Double($0) * h }
            var weights = [Double](repeating: h, count: n)
            weights[0] = h / 2
            weights[n - 1] = h / 2
            return (alphas, weights)
        case .riemannLeft: return ((0..<n).map { Double($0) / d }, Array(repeating: 1 / d, count: n))
        case .riemannRight: return ((1...n).map { Double($0) / d }, Array(repeating: 1 / d, count: n))
        case .riemannMiddle: return ((0..<n).map { (Double($0) + 0.5) / d }, Array(repeating: 1 / d, count: n))
        }
    }

    /// Gauss-Legendre nodes and weights on [−1, 1] (ascending nodes, as NumPy's `leggauss`): the
    /// roots of the Legendre polynomial Pₙ by Newton's method from Tricomi's initial guesses.
    static func gaussLegendre(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for i in 0..<((n + 1) / 2) {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                // P_n(x) and P_n'(x) by the three-term recurrence.
                var p0 = 1.0, p1 = x
                for k in stride(from: 2, through: n, by: 1) {
                    let p2 = (Double(2 * k - 1) * x * p1 - Double(k - 1) * p0) / Double(k)
                    p0 = p1
                    p1 = p2
                }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-15 { break }
            }
            let w = 2 / ((1 - x * x) * derivative * derivative)
            nodes[i] = -x
            nodes[n - 1 - i] = x
            weights[i] = w
            weights[n - 1 - i] = w
        }
        return (nodes, weights)
    }
}

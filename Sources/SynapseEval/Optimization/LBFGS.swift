/// Limited-memory BFGS for smooth unconstrained problems in Double precision (Nocedal & Wright,
/// Algorithm 7.4/7.5): the two-loop recursion over the last `memory` steps, a backtracking line
/// search with the Armijo condition, and curvature pairs kept only when sᵀy > 0 (so the implicit
/// Hessian approximation stays positive definite). Made for the small convex fits of evaluation
/// (vector and matrix scaling of logits), where the whole objective and its exact gradient are cheap.
public enum LBFGS {
    /// The outcome of `minimize`.
    public struct Result: Sendable {
        /// The minimiser found.
        public let x: [Double]
        /// The objective there.
        public let value: Double
        /// Iterations taken.
        public let iterations: Int
        /// Whether the gradient fell below the tolerance (otherwise the iteration limit was reached
        /// or the line search could not improve further).
        public let converged: Bool
        /// max |gradient| at `x`.
        public let gradientNorm: Double
    }

    /// Minimises `objective` (value and gradient) from `start`.
    /// - Parameters:
    ///   - memory: curvature pairs kept (10, as SciPy's default).
    ///   - gradientTolerance: stop when max |gradient| ≤ this.
    public static func minimize(from start: [Double], memory: Int = 10, maxIterations: Int = 1000,
                                gradientTolerance: Double = 1e-9,
                                _ objective: ([Double]) -> (value: Double, gradient: [Double])) -> Result {
        var x = start
        var (f, g) = objective(x)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var iteration = 0, stalled = 0
        func norm(_ v: [Double]) -> Double { v.reduce(0) { Swift.max($0, Swift.abs($1)) } }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        while iteration < maxIterations && norm(g) > gradientTolerance && f.isFinite {
            iteration += 1
            // Two-loop recursion: d = −H·g.
            var q = g
            var alpha = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(s[i], q)
                for j in q.indices { q[j] -= alpha[i] * y[i][j] }
            }
            let gamma = s.isEmpty ? 1 / Swift.max(norm(g), 1) : dot(s[s.count - 1], y[y.count - 1]) / dot(y[y.count - 1], y[y.count - 1])
            var d = q.map { $0 * gamma }
            for i in s.indices {
                let beta = rho[i] * dot(y[i], d)
                for j in d.indices { d[j] += s[i][j] * (alpha[i] - beta) }
            }
            for j in d.indices { d[j] = -d[j] }
            var slope = dot(g, d)
            if !(slope < 0) {
                // Not a descent direction (rounding): restart from steepest descent.
                s.removeAll(); y.removeAll(); rho.removeAll()
                d = g.map { -$0 / Swift.max(norm(g), 1) }
                slope = dot(g, d)
            }
            // Backtracking line search (Armijo, c = 1e-4).
            var step = 1.0
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<60 {
                let candidate = zip(x, d).map { $0 + step * $1 }
                let (fc, gc) = objective(candidate)
                if fc.isFinite && fc <= f + 1e-4 * step * slope {
                    accepted = (candidate, fc, gc)
                    break
                }
                step *= 0.5
            }
            guard let next = accepted else { break }
            let sk = zip(next.x, x).map { $0 - $1 }, yk = zip(next.g, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > 1e-12 * Swift.max(dot(yk, yk), 1e-300) {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let improvement = f - next.f
            (x, f, g) = next
            // Rounding can stop progress short of the tolerance: three steps without it end the search.
            stalled = improvement <= 1e-15 * Swift.max(Swift.abs(f), 1) ? stalled + 1 : 0
            if stalled >= 3 { break }
        }
        return Result(x: x, value: f, iterations: iteration, converged: norm(g) <= gradientTolerance, gradientNorm: norm(g))
    }
}

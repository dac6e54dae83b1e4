import Foundation
import Testing
@testable import SynapseCore

/// Sweeps the vectorised transcendental kernels against Double-precision references and checks the
/// maximum errors stated in docs/KERNELS.md.
struct KernelAccuracyTests {
    /// Max relative error (relative to max(|reference|, floor)) of `f` vs `reference` over `xs`.
    static func maxError(_ xs: [Float], _ f: (Tensor) -> Tensor, _ reference: (Double) -> Double, floor: Double) -> (Double, Float) {
        let ys = f(Tensor(xs)).scalars
        var worst = 0.0, at: Float = 0
        for (x, y) in zip(xs, ys) {
            let r = reference(Double(x))
            let e = Swift.abs(Double(y) - r) / Swift.max(Swift.abs(r), floor)
            if e > worst { worst = e; at = x }
        }
        return (worst, at)
    }

    static func sweep(_ lo: Float, _ hi: Float, _ n: Int = 200_001) -> [Float] {
        (0..<n).map { lo + (hi - lo) * Float($0) / Float(n - 1) }
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String, lo: Float, hi: Float, floor: Double, bound: Double
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "exp", lo: -87, hi: 88, floor: 0, bound: 1.5e-7),
        Case(name: "log", lo: 1e-6, hi: 1e6, floor: 1e-30, bound: 1.5e-7),
        Case(name: "tanh", lo: -10, hi: 10, floor: 1, bound: 1.5e-7),
        Case(name: "sigmoid", lo: -30, hi: 30, floor: 1, bound: 1.5e-7),
        Case(name: "gelu", lo: -10, hi: 10, floor: 1, bound: 2e-7),
        Case(name: "gelu_tanh", lo: -10, hi: 10, floor: 1, bound: 2e-7),
        Case(name: "softplus", lo: -30, hi: 30, floor: 1, bound: 2e-7),
    ]

    static func run(_ c: Case) -> (Double, Float) {
        let xs = sweep(c.lo, c.hi)
        switch c.name {
        case "exp": return maxError(xs, exp, Foundation.exp, floor: c.floor)
        case "log":
            let ls = xs.map { Foundation.exp(Foundation.log(c.lo) + (Foundation.log(c.hi) - Foundation.log(c.lo)) * ($0 - c.lo) / (c.hi - c.lo)) }
            return maxError(ls, log, Foundation.log, floor: c.floor)
        case "tanh": return maxError(xs, tanh, Foundation.tanh, floor: c.floor)
        case "sigmoid": return maxError(xs, sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, floor: c.floor)
        case "gelu": return maxError(xs, { gelu($0) }, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, floor: c.floor)
        case "gelu_tanh":
            return maxError(xs, { gelu($0, approximate: .tanh) },
                            { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }, floor: c.floor)
        default: return maxError(xs, { softplus($0) }, { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) }, floor: c.floor)
        }
    }

    @Test(arguments: cases)
    func maximumErrorWithinStatedBound(_ c: Case) {
        let (err, at) = Self.run(c)
        #expect(err <= c.bound, "\(c.name): max error \(err) at x = \(at) exceeds \(c.bound)")
    }

    @Test func specialValues() {
        let y = log(Tensor([0, -1, .infinity])).scalars
        #expect(y[0] == -.infinity)
        #expect(y[1].isNaN)
        #expect(y[2] == .infinity)
        #expect(exp(Tensor([-1000])).item() >= 0 && exp(Tensor([-1000])).item() < 1e-37)
        #expect(tanh(Tensor([50, -50])).scalars == [1, -1])
        #expect(sigmoid(Tensor([100, -100])).scalars.allSatisfy { $0.isFinite })
    }
}

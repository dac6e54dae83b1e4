import Foundation

extension Tensor {
    /// Applies a vectorised unary kernel; records its VJP (which needs the input and maybe the output).
    @usableFromInline
    func unary(_ kind: UnaryKernel, _ name: String, _ a: Float = 0, _ b: Float = 0) -> Tensor {
        let x = contiguous()
        let n = x.count
        let xp = SendablePointer(x.basePointer)
        let y = Tensor.produce(shape) { out in
            let yp = SendablePointer(out)
            parallelChunks(n) { r in
                CPUBackend.unary(kind, xp.pointer + r.lowerBound, into: yp.pointer + r.lowerBound, count: r.count, a: a, b: b)
            }
        }
        return y.recorded(name, inputs: [x]) { g in
            let g = g.contiguous()
            let gp = SendablePointer(g.basePointer)
            let yp = SendablePointer(y.basePointer)
            let dx = Tensor.produce(x.shape) { out in
                let dp = SendablePointer(out)
                parallelChunks(n) { r in
                    let o = r.lowerBound
                    CPUBackend.unaryBackward(kind, x: xp.pointer + o, y: yp.pointer + o, dy: gp.pointer + o, into: dp.pointer + o,
                                             count: r.count, a: a, b: b)
                }
            }
            return withExtendedLifetime((x, y, g)) { [dx] }
        }
    }
}

/// e^x.
public func exp(_ x: Tensor) -> Tensor { x.unary(.exp, "exp") }
/// Natural logarithm.
public func log(_ x: Tensor) -> Tensor { x.unary(.log, "log") }
/// Square root.
public func sqrt(_ x: Tensor) -> Tensor { x.unary(.sqrt, "sqrt") }
/// Hyperbolic tangent.
public func tanh(_ x: Tensor) -> Tensor { x.unary(.tanh, "tanh") }
/// Logistic sigmoid 1 / (1 + e^-x).
public func sigmoid(_ x: Tensor) -> Tensor { x.unary(.sigmoid, "sigmoid") }
/// Swift.max(x, 0).
public func relu(_ x: Tensor) -> Tensor { x.unary(.relu, "relu") }
/// |x|.
public func abs(_ x: Tensor) -> Tensor { x.unary(.abs, "abs") }
/// x for x > 0, `negativeSlope`·x otherwise.
public func leakyRelu(_ x: Tensor, negativeSlope: Float = 0.01) -> Tensor { x.unary(.leakyRelu, "leakyRelu", negativeSlope) }
/// x for x > 0, α(eˣ − 1) otherwise.
public func elu(_ x: Tensor, alpha: Float = 1) -> Tensor { x.unary(.elu, "elu", alpha) }
/// Scaled ELU with PyTorch's constants (α ≈ 1.6733, scale ≈ 1.0507).
public func selu(_ x: Tensor) -> Tensor { x.unary(.selu, "selu") }
/// x·sigmoid(x) (swish).
public func silu(_ x: Tensor) -> Tensor { x.unary(.silu, "silu") }
/// log(1 + e^(βx))/β, linear above `threshold` (PyTorch semantics).
public func softplus(_ x: Tensor, beta: Float = 1, threshold: Float = 20) -> Tensor {
    x.unary(.softplus, "softplus", beta, threshold)
}

/// Which formula `gelu` uses.
public enum GELUApproximation: String, Sendable {
    /// Exact: x·Φ(x) with the error function.
    case none
    /// 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
    case tanh
}

/// Gaussian error linear unit.
public func gelu(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor {
    approximate == .none ? x.unary(.geluErf, "gelu") : x.unary(.geluTanh, "gelu(tanh)")
}

/// Element-wise square.
public func square(_ x: Tensor) -> Tensor { x.unary(.square, "square") }

/// Clamps every element to [min, max]; the gradient passes where min ≤ x ≤ max.
public func clamp(_ x: Tensor, min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
    require(lo <= hi, "clamp: min \(lo) is greater than max \(hi)")
    let xc = x.contiguous()
    let n = xc.count
    let xp = SendablePointer(xc.basePointer)
    let y = Tensor.produce(x.shape) { out in
        let yp = SendablePointer(out)
        parallelChunks(n) { r in CPUBackend.clamp(xp.pointer + r.lowerBound, into: yp.pointer + r.lowerBound, count: r.count, lo: lo, hi: hi) }
    }
    return y.recorded("clamp", inputs: [xc]) { g in
        let mask = Tensor(shape: xc.shape) { b in
            for i in 0..<n { b[i] = (xp.pointer[i] >= lo && xp.pointer[i] <= hi) ? 1 : 0 }
        }
        return withExtendedLifetime(xc) { [g * mask] }
    }
}

/// xᵖ for a scalar exponent p.
public func pow(_ x: Tensor, _ p: Float) -> Tensor {
    if p == 2 { return square(x) }
    if p == 1 { return x }
    if p == 0.5 { return sqrt(x) }
    let xc = x.contiguous()
    let y = Tensor(shape: x.shape) { b in
        xc.withUnsafeBufferPointer { src in for i in src.indices { b[i] = Foundation.pow(src[i], p) } }
    }
    return y.recorded("pow", inputs: [xc]) { g in [g * (pow(xc, p - 1) * p)] }
}

/// xʸ element-wise with broadcasting (x > 0 where y is not an integer).
public func pow(_ x: Tensor, _ y: Tensor) -> Tensor { exp(y * log(x)) }

extension Tensor {
    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor { x.unary(.negate, "neg") }
}

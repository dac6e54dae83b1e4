extension Tensor {
    /// Element-wise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let y = BroadcastKernel.apply(a, b, .add, name: "add", scalar: +)
        let (sa, sb, na, nb) = (a.shape, b.shape, a.node != nil, b.node != nil)
        return y.recorded("add", inputs: [a, b]) { g in
            [na ? g.sumToShape(sa) : nil, nb ? g.sumToShape(sb) : nil]
        }
    }

    /// Element-wise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let y = BroadcastKernel.apply(a, b, .subtract, name: "sub", scalar: -)
        let (sa, sb, na, nb) = (a.shape, b.shape, a.node != nil, b.node != nil)
        return y.recorded("sub", inputs: [a, b]) { g in
            [na ? g.sumToShape(sa) : nil, nb ? (-g).sumToShape(sb) : nil]
        }
    }

    /// Element-wise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let y = BroadcastKernel.apply(a, b, .multiply, name: "mul", scalar: *)
        let ad = a.detached(), bd = b.detached()
        return y.recorded("mul", inputs: [a, b]) { g in
            [a.node == nil ? nil : (g * bd).sumToShape(a.shape), b.node == nil ? nil : (g * ad).sumToShape(b.shape)]
        }
    }

    /// Element-wise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let y = BroadcastKernel.apply(a, b, .divide, name: "div", scalar: /)
        let ad = a.detached(), bd = b.detached()
        return y.recorded("div", inputs: [a, b]) { g in
            let ga = g / bd
            return [a.node == nil ? nil : ga.sumToShape(a.shape),
                    b.node == nil ? nil : (-(ga * ad) / bd).sumToShape(b.shape)]
        }
    }

    /// Element-wise maximum (the gradient goes to the larger input; to `a` on ties); NaN when either
    /// input is NaN (PyTorch `torch.maximum`; `Swift.max` would drop a NaN in its first operand).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let y = BroadcastKernel.apply(a, b, .maximum, name: "maximum") { ($0 > $1 || $0.isNaN) ? $0 : $1 }
        let ad = a.detached(), bd = b.detached()
        return y.recorded("maximum", inputs: [a, b]) { g in
            let m = ad.ge(bd)
            return [(g * m).sumToShape(a.shape), (g * (1 - m)).sumToShape(b.shape)]
        }
    }

    /// Element-wise minimum (the gradient goes to the smaller input; to `a` on ties); NaN when either
    /// input is NaN (PyTorch `torch.minimum`).
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let y = BroadcastKernel.apply(a, b, .minimum, name: "minimum") { ($0 < $1 || $0.isNaN) ? $0 : $1 }
        let ad = a.detached(), bd = b.detached()
        return y.recorded("minimum", inputs: [a, b]) { g in
            let m = ad.le(bd)
            return [(g * m).sumToShape(a.shape), (g * (1 - m)).sumToShape(b.shape)]
        }
    }

    // Scalar forms: a scalar is a constant, never differentiated.

    /// Adds a constant.
    public static func + (a: Tensor, s: Float) -> Tensor { a.scalarOp(.add, s, "add") { g in g } }
    /// Adds a constant.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    /// Subtracts a constant.
    public static func - (a: Tensor, s: Float) -> Tensor { a.scalarOp(.add, -s, "sub") { g in g } }
    /// Subtracts from a constant.
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }
    /// Multiplies by a constant.
    public static func * (a: Tensor, s: Float) -> Tensor { a.scalarOp(.multiply, s, "mul") { g in g * s } }
    /// Multiplies by a constant.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    /// Divides by a constant.
    public static func / (a: Tensor, s: Float) -> Tensor { a.scalarOp(.divide, s, "div") { g in g / s } }
    /// Divides a constant by each element.
    public static func / (s: Float, a: Tensor) -> Tensor {
        let ac = a.contiguous()
        let y = Tensor.produce(a.shape) { out in CPUBackend.binary(.divide, scalar: s, ac.basePointer, into: out, count: ac.count) }
        let yd = y
        return y.recorded("rdiv", inputs: [ac]) { g in [-(g * yd * yd) / s] }
    }

    /// Element-wise maximum with a constant.
    public func maximum(_ s: Float) -> Tensor { Tensor.maximum(self, Tensor(s)) }
    /// Element-wise minimum with a constant.
    public func minimum(_ s: Float) -> Tensor { Tensor.minimum(self, Tensor(s)) }

    private func scalarOp(_ op: BinaryKernel, _ s: Float, _ name: String, _ vjp: @escaping (Tensor) -> Tensor) -> Tensor {
        let c = contiguous()
        let y = BroadcastKernel.scalarRight(c, s, op, c.count)
        return y.recorded(name, inputs: [c]) { g in [vjp(g)] }
    }

    /// In-place `self += other` (broadcasting `other`); not recorded on the tape.
    public mutating func addInPlace(_ other: Tensor) {
        if other.shape == shape {
            let o = other.contiguous()
            withUnsafeMutableBufferPointer { dst in
                let dp = SendablePointer(dst.baseAddress!), sp = SendablePointer(o.basePointer)
                parallelChunks(dst.count) { r in
                    CPUBackend.axpy(1, sp.pointer + r.lowerBound, into: dp.pointer + r.lowerBound, count: r.count)
                }
            }
            withExtendedLifetime(o) {}
        } else {
            let node = self.node
            self = (self.detached() + other.detached())
            self.node = node
        }
    }

    // Compound assignment builds new values (value semantics); use `addInPlace` to update a buffer.

    /// `a = a + b`.
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    /// `a = a - b`.
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    /// `a = a * b`.
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    /// `a = a / b`.
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }
}

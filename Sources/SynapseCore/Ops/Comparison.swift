extension Tensor {
    private func compare(_ other: Tensor, _ name: String, _ f: (Float, Float) -> Bool) -> Tensor {
        let outShape = ShapeMath.broadcastOrFail(shape, other.shape, op: name)
        return BroadcastKernel.general(self, other, outShape) { f($0, $1) ? 1 : 0 }
    }

    /// 1 where self > other, else 0 (broadcasting; never differentiated).
    public func gt(_ other: Tensor) -> Tensor { compare(other, "gt", >) }
    /// 1 where self < other, else 0.
    public func lt(_ other: Tensor) -> Tensor { compare(other, "lt", <) }
    /// 1 where self ≥ other, else 0.
    public func ge(_ other: Tensor) -> Tensor { compare(other, "ge", >=) }
    /// 1 where self ≤ other, else 0.
    public func le(_ other: Tensor) -> Tensor { compare(other, "le", <=) }
    /// 1 where self == other, else 0.
    public func eq(_ other: Tensor) -> Tensor { compare(other, "eq", ==) }
    /// 1 where self != other, else 0.
    public func ne(_ other: Tensor) -> Tensor { compare(other, "ne", !=) }
    /// 1 where self > s, else 0.
    public func gt(_ s: Float) -> Tensor { gt(Tensor(s)) }
    /// 1 where self < s, else 0.
    public func lt(_ s: Float) -> Tensor { lt(Tensor(s)) }
    /// 1 where self ≥ s, else 0.
    public func ge(_ s: Float) -> Tensor { ge(Tensor(s)) }
    /// 1 where self ≤ s, else 0.
    public func le(_ s: Float) -> Tensor { le(Tensor(s)) }
    /// 1 where self == s, else 0.
    public func eq(_ s: Float) -> Tensor { eq(Tensor(s)) }
    /// 1 where self != s, else 0.
    public func ne(_ s: Float) -> Tensor { ne(Tensor(s)) }

    /// True when shapes match and every pair of elements is within `atol + rtol·|other|`.
    public func isClose(to other: Tensor, rtol: Float = 1e-5, atol: Float = 1e-8) -> Bool {
        guard shape == other.shape else { return false }
        return zip(scalars, other.scalars).allSatisfy { Swift.abs($0 - $1) <= atol + rtol * Swift.abs($1) }
    }
}

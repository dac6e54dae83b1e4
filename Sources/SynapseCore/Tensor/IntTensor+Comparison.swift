/// Elementwise comparisons and counting reductions of integer tensors, so that accuracy reads as
/// one line:
///
/// ```swift
/// let correct = (logits.argmax(dim: 1) .== labels).sum()
/// let accuracy = Float(correct) / Float(labels.count)
/// ```
///
/// `IntTensor` is `Equatable`, so `==` keeps meaning whole-value equality (same shape, same
/// elements) and returns a `Bool`. The elementwise comparisons use the pointwise operators that
/// Swift's SIMD types already use, `.==` and `.!=`, or the PyTorch method names `eq` and `ne`; they
/// return 0/1 integers (PyTorch returns a bool tensor, which Synapse does not have).
extension IntTensor {
    private func compare(_ other: IntTensor, _ op: String, _ f: (Int, Int) -> Bool) -> IntTensor {
        require(shape == other.shape || other.count == 1 || count == 1,
                "IntTensor.\(op): shapes \(shape) and \(other.shape) differ (only a one-element operand broadcasts)")
        if shape == other.shape {
            return IntTensor(shape: shape, scalars: zip(scalars, other.scalars).map { f($0, $1) ? 1 : 0 })
        }
        if other.count == 1 {
            let s = other.scalars[0]
            return IntTensor(shape: shape, scalars: scalars.map { f($0, s) ? 1 : 0 })
        }
        let s = scalars[0]
        return IntTensor(shape: other.shape, scalars: other.scalars.map { f(s, $0) ? 1 : 0 })
    }

    /// 1 where the elements are equal, else 0 (PyTorch `eq`). Shapes must match, or one operand has
    /// a single element.
    public func eq(_ other: IntTensor) -> IntTensor { compare(other, "eq", ==) }
    /// 1 where the elements differ, else 0 (PyTorch `ne`).
    public func ne(_ other: IntTensor) -> IntTensor { compare(other, "ne", !=) }
    /// 1 where the element equals `value`, else 0.
    public func eq(_ value: Int) -> IntTensor { eq(IntTensor(shape: [], scalars: [value])) }
    /// 1 where the element differs from `value`, else 0.
    public func ne(_ value: Int) -> IntTensor { ne(IntTensor(shape: [], scalars: [value])) }

    /// Elementwise equality, 0/1 (same as `eq`); `==` is whole-value equality.
    public static func .== (lhs: IntTensor, rhs: IntTensor) -> IntTensor { lhs.eq(rhs) }
    /// Elementwise inequality, 0/1 (same as `ne`); `!=` is whole-value inequality.
    public static func .!= (lhs: IntTensor, rhs: IntTensor) -> IntTensor { lhs.ne(rhs) }
    /// Elementwise equality with a scalar, 0/1.
    public static func .== (lhs: IntTensor, rhs: Int) -> IntTensor { lhs.eq(rhs) }
    /// Elementwise inequality with a scalar, 0/1.
    public static func .!= (lhs: IntTensor, rhs: Int) -> IntTensor { lhs.ne(rhs) }

    /// The sum of all elements (PyTorch `sum().item()`); of a 0/1 comparison, the number of ones.
    public func sum() -> Int { scalars.reduce(0, +) }
    /// The mean of all elements as a Float (0 for an empty tensor); of a 0/1 comparison, the
    /// fraction of ones, e.g. `(pred .== labels).mean()` is the accuracy.
    public func mean() -> Float { count == 0 ? 0 : Float(Double(sum()) / Double(count)) }
    /// The number of elements for which `predicate` holds.
    public func count(where predicate: (Int) throws -> Bool) rethrows -> Int { try scalars.count(where: predicate) }
}

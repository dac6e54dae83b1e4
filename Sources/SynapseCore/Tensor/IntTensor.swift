/// An n-dimensional array of integers: class labels, indices for `gather`/`indexSelect`, results of
/// `argmax`. Stored as `Int` (PyTorch's int64), row-major. Never differentiated.
public struct IntTensor: Sendable, Equatable, CustomStringConvertible {
    /// The size of each dimension.
    public let shape: [Int]
    /// Elements in row-major order.
    public var scalars: [Int]

    /// An integer tensor of `shape` holding `scalars`.
    public init(shape: [Int], scalars: [Int]) {
        require(ShapeMath.count(shape) == scalars.count,
                     "IntTensor: \(scalars.count) values do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A 1-D integer tensor.
    public init(_ scalars: [Int]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// Number of elements.
    public var count: Int { scalars.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The elements as a float tensor.
    public var asFloat: Tensor { Tensor(shape: shape, scalars: scalars.map(Float.init)) }

    /// PyTorch-style text (`tensor([1, 2, 3])`).
    public var description: String {
        TensorFormatter.format(shape: shape, values: scalars.map(Double.init), integral: true, suffix: "dtype: int64")
    }
}

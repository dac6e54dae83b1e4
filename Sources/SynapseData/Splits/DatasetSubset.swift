import SynapseCore

/// A view of some rows of another dataset, in a chosen order (PyTorch's `Subset`). Works with any
/// `Dataset`; batches of a `BatchedDataset` are gathered by the base dataset in one call.
public struct DatasetSubset<Base: Dataset>: Dataset {
    /// The dataset viewed.
    public let base: Base
    /// Row indices into `base`.
    public let indices: [Int]

    /// The rows `indices` of `base`.
    /// - Precondition: every index is in `0..<base.count`.
    public init(_ base: Base, indices: [Int]) {
        for i in indices { require(i >= 0 && i < base.count, "DatasetSubset: index \(i) out of range 0..<\(base.count)") }
        self.base = base
        self.indices = indices
    }

    /// Number of rows in the subset.
    public var count: Int { indices.count }

    /// The subset's `index`-th row.
    public subscript(index: Int) -> Base.Element { base[indices[index]] }
}

extension DatasetSubset: BatchedDataset where Base: BatchedDataset {
    /// The rows at `positions` of the subset, gathered by the base dataset.
    public func batch(_ positions: [Int]) -> Base.Batch { base.batch(positions.map { indices[$0] }) }
}

extension DatasetSubset: Sendable where Base: Sendable {}

extension Dataset {
    /// A view of the rows at `indices` (e.g. `split.train`), in that order.
    public func subset(at indices: [Int]) -> DatasetSubset<Self> { DatasetSubset(self, indices: indices) }
}

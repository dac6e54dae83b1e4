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

// One subset API: `subset(_:)`. The datasets that store their rows (`TensorDataset`, `TabularDataset`,
// `RegressionDataset`) declare their own `subset(_:)`, which copies the rows into a dataset of the
// same type (the preprocessing and training entry points take those types); Swift picks it over this
// one. Every other dataset gets this view, which copies nothing.
extension Dataset {
    /// A view of the rows at `indices` (e.g. `split.train`), in that order. Datasets that store
    /// their rows return a copy of their own type instead; see `TensorDataset.subset(_:)`.
    public func subset(_ indices: [Int]) -> DatasetSubset<Self> { DatasetSubset(self, indices: indices) }

    /// The spelling before there was one subset API.
    @available(*, deprecated, renamed: "subset(_:)")
    public func subset(at indices: [Int]) -> DatasetSubset<Self> { DatasetSubset(self, indices: indices) }
}

import SynapseCore

/// A finite, indexable collection of examples (PyTorch's map-style `Dataset`).
public protocol Dataset<Element> {
    /// One example.
    associatedtype Element
    /// Number of examples.
    var count: Int { get }
    /// The example at `index`, in `0..<count`.
    subscript(index: Int) -> Element { get }
}

/// A dataset that can gather many examples into one batch at once, which is what `DataLoader`
/// iterates over. Gathering a batch in one call lets the dataset copy whole rows instead of
/// assembling the batch example by example.
public protocol BatchedDataset<Batch>: Dataset {
    /// A group of examples stacked along a new leading dimension.
    associatedtype Batch
    /// The examples at `indices` (each in `0..<count`), stacked in that order.
    func batch(_ indices: [Int]) -> Batch
}

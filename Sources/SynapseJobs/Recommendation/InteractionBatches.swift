import SynapseData

/// Interactions as a dataset for `DataLoader` and `Trainer`: a batch is the interactions themselves.
public struct InteractionBatches: BatchedDataset {
    /// The interactions, in order.
    public let interactions: [Interaction]

    /// Wraps `interactions`.
    public init(_ interactions: [Interaction]) { self.interactions = interactions }

    /// Number of interactions.
    public var count: Int { interactions.count }

    /// The interaction at `index`.
    public subscript(index: Int) -> Interaction { interactions[index] }

    /// The interactions at `indices`, in that order.
    public func batch(_ indices: [Int]) -> [Interaction] { indices.map { interactions[$0] } }
}

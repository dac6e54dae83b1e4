import SynapseCore

/// Node pairs with 0/1 labels as a dataset, for link prediction through `DataLoader` and `Trainer`:
/// the training set holds the training edges (all positives, negatives drawn per step by the
/// objective, `drawsNegatives`), the validation and test sets the held-out edges and their fixed
/// negatives (`LinkSplit`).
public struct NodePairSet: BatchedDataset {
    /// A batch of pairs.
    public struct Batch: Sendable {
        /// First nodes.
        public let sources: [Int]
        /// Second nodes.
        public let targets: [Int]
        /// Their labels (1 edge, 0 none).
        public let labels: [Float]
        /// Whether the objective adds as many freshly drawn negative pairs (training batches).
        public let drawsNegatives: Bool
    }

    /// First nodes.
    public let sources: [Int]
    /// Second nodes.
    public let targets: [Int]
    /// Labels.
    public let labels: [Float]
    /// Whether batches ask for drawn negatives.
    public let drawsNegatives: Bool

    /// Training positives: every pair labelled 1, negatives drawn per batch.
    public init(positives: [(Int, Int)]) {
        sources = positives.map(\.0)
        targets = positives.map(\.1)
        labels = Array(repeating: 1, count: positives.count)
        drawsNegatives = true
    }

    /// Fixed labelled pairs (validation or test).
    public init(_ pairs: LinkSplit.LabelledPairs) {
        sources = pairs.sources
        targets = pairs.targets
        labels = pairs.labels
        drawsNegatives = false
    }

    /// Pairs.
    public var count: Int { sources.count }

    /// A pair and its label.
    public subscript(index: Int) -> (source: Int, target: Int, label: Float) { (sources[index], targets[index], labels[index]) }

    /// The pairs at `indices`.
    public func batch(_ indices: [Int]) -> Batch {
        Batch(sources: indices.map { sources[$0] }, targets: indices.map { targets[$0] }, labels: indices.map { labels[$0] },
              drawsNegatives: drawsNegatives)
    }
}

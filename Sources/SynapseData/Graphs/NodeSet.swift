import SynapseCore

/// Some of a graph's nodes with their labels, as a dataset: node classification trains and
/// validates through `DataLoader` and `Trainer` like any other task, each batch naming the nodes
/// whose logits the loss reads (the model still runs on the whole graph).
public struct NodeSet: BatchedDataset {
    /// A batch: nodes and their labels.
    public struct Batch: Sendable {
        /// The nodes.
        public let nodes: [Int]
        /// Their labels [nodes].
        public let labels: IntTensor
    }

    /// The nodes, in order.
    public let nodes: [Int]
    /// Every node's label in the graph (indexed by node).
    public let allLabels: [Int]

    /// The nodes `nodes` of a graph labelled `labels` (one per graph node).
    public init(nodes: [Int], labels: [Int]) {
        require(nodes.allSatisfy { labels.indices.contains($0) }, "NodeSet: a node lies outside the \(labels.count) labelled nodes")
        self.nodes = nodes
        self.allLabels = labels
    }

    /// Nodes in the set.
    public var count: Int { nodes.count }

    /// A node and its label.
    public subscript(index: Int) -> (node: Int, label: Int) { (nodes[index], allLabels[nodes[index]]) }

    /// The nodes at `indices` of the set.
    public func batch(_ indices: [Int]) -> Batch {
        let picked = indices.map { nodes[$0] }
        return Batch(nodes: picked, labels: IntTensor(picked.map { allLabels[$0] }))
    }
}

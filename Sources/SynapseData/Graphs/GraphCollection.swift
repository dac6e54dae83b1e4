import SynapseCore

/// One small graph with a class label: a molecule, a social circle, a transaction pattern.
public struct LabelledGraph: Sendable {
    /// The graph's identifier in the data files.
    public var name: String
    /// Node features [nodes, F].
    public var features: Tensor
    /// The edges (both directions listed for an undirected graph).
    public var edges: EdgeIndex
    /// The graph's class (index into its collection's `classNames`).
    public var label: Int

    /// A graph from its parts.
    public init(name: String, features: Tensor, edges: EdgeIndex, label: Int) {
        require(features.rank == 2 && features.shape[0] == edges.nodeCount,
                "LabelledGraph: features \(features.shape) do not match the graph's \(edges.nodeCount) nodes")
        self.name = name
        self.features = features
        self.edges = edges
        self.label = label
    }

    /// Nodes.
    public var nodeCount: Int { edges.nodeCount }
}

/// Many small labelled graphs for graph classification (PyTorch Geometric's `TUDataset` and the like).
public struct GraphCollection: Sendable {
    /// The collection's name.
    public var name: String
    /// The graphs.
    public var graphs: [LabelledGraph]
    /// Class names by index.
    public var classNames: [String]
    /// Names of the node-feature columns.
    public var featureNames: [String]

    /// A collection from its parts.
    public init(name: String, graphs: [LabelledGraph], classNames: [String], featureNames: [String]) {
        self.name = name
        self.graphs = graphs
        self.classNames = classNames
        self.featureNames = featureNames
    }

    /// Graphs in the collection.
    public var count: Int { graphs.count }

    /// The graphs at `indices`, as a collection with the same classes.
    public func subset(_ indices: [Int]) -> GraphCollection {
        GraphCollection(name: name, graphs: indices.map { graphs[$0] }, classNames: classNames, featureNames: featureNames)
    }
}

/// A mini-batch of small graphs as one graph with disconnected parts (PyG's `Batch.from_data_list`):
/// node features stacked, each graph's edges shifted by the nodes before it, and `batch` naming each
/// node's graph — what `GraphPooling` reads to give one row per graph.
public struct GraphBatch: Sendable {
    /// Node features of every graph, stacked [Σ nodes, F].
    public let features: Tensor
    /// The edges of every graph, in the stacked numbering.
    public let edges: EdgeIndex
    /// Each node's graph (0-based, in batch order).
    public let batch: [Int]
    /// Graphs in the batch.
    public let graphCount: Int
    /// Their labels [graphs].
    public let labels: IntTensor

    /// The batch of `graphs` (their features must have the same width).
    public init(_ graphs: [LabelledGraph]) {
        require(!graphs.isEmpty, "GraphBatch: no graphs")
        let width = graphs[0].features.shape[1]
        require(graphs.allSatisfy { $0.features.shape[1] == width }, "GraphBatch: graphs with different feature widths")
        var values: [Float] = [], sources: [Int] = [], targets: [Int] = [], batch: [Int] = []
        var offset = 0
        for (g, graph) in graphs.enumerated() {
            values += graph.features.scalars
            sources += graph.edges.sources.map { $0 + offset }
            targets += graph.edges.targets.map { $0 + offset }
            batch += Array(repeating: g, count: graph.nodeCount)
            offset += graph.nodeCount
        }
        features = Tensor(shape: [offset, width], scalars: values)
        edges = EdgeIndex(sources: sources, targets: targets, nodeCount: offset)
        self.batch = batch
        graphCount = graphs.count
        labels = IntTensor(graphs.map(\.label))
    }
}

/// A graph collection as a dataset whose batches are `GraphBatch`es, for `DataLoader` and `Trainer`.
public struct GraphSet: BatchedDataset {
    /// The graphs.
    public let graphs: [LabelledGraph]

    /// The graphs of `collection`.
    public init(_ collection: GraphCollection) { graphs = collection.graphs }

    /// Graphs.
    public var count: Int { graphs.count }

    /// A graph.
    public subscript(index: Int) -> LabelledGraph { graphs[index] }

    /// The graphs at `indices`, batched.
    public func batch(_ indices: [Int]) -> GraphBatch { GraphBatch(indices.map { graphs[$0] }) }
}

/// The edges of a graph in PyTorch Geometric's `edge_index` layout: edge e runs from node
/// `sources[e]` to node `targets[e]`, and messages flow along it from source to target (PyG's
/// default `flow="source_to_target"`). An undirected graph lists each edge in both directions.
/// Repeated edges are separate messages; self-loops are edges like any other until a layer adds
/// or removes them.
public struct EdgeIndex: Sendable, Equatable {
    /// Nodes of the graph (indices `0..<nodeCount`; some may have no edges).
    public let nodeCount: Int
    /// The node each edge starts at.
    public let sources: [Int]
    /// The node each edge ends at.
    public let targets: [Int]

    /// Edges from `sources[e]` to `targets[e]` among `nodeCount` nodes. Stops with a message when
    /// the lists differ in length or name a node outside `0..<nodeCount` (graphs read from files are
    /// checked, with a thrown error, by their readers before they get here).
    public init(sources: [Int], targets: [Int], nodeCount: Int) {
        require(nodeCount >= 0, "EdgeIndex: the node count must be ≥ 0, got \(nodeCount)")
        require(sources.count == targets.count, "EdgeIndex: \(sources.count) sources but \(targets.count) targets")
        if let e = sources.indices.first(where: { !(0..<nodeCount).contains(sources[$0]) || !(0..<nodeCount).contains(targets[$0]) }) {
            requireFailure("EdgeIndex: edge \(e) (\(sources[e]) → \(targets[e])) names a node outside 0..<\(nodeCount)")
        }
        self.nodeCount = nodeCount
        self.sources = sources
        self.targets = targets
    }

    /// An undirected graph: each pair (a, b) becomes the edges a → b and b → a (a self-loop once).
    public static func undirected(_ pairs: [(Int, Int)], nodeCount: Int) -> EdgeIndex {
        var sources: [Int] = [], targets: [Int] = []
        for (a, b) in pairs {
            sources.append(a); targets.append(b)
            if a != b { sources.append(b); targets.append(a) }
        }
        return EdgeIndex(sources: sources, targets: targets, nodeCount: nodeCount)
    }

    /// Edges.
    public var count: Int { sources.count }

    /// Incoming edges per node (self-loops included).
    public var inDegrees: [Int] {
        var degrees = [Int](repeating: 0, count: nodeCount)
        for t in targets { degrees[t] += 1 }
        return degrees
    }

    /// The edges without self-loops, and the positions they had (PyG `remove_self_loops`).
    public func removingSelfLoops() -> (edges: EdgeIndex, kept: [Int]) {
        let kept = sources.indices.filter { sources[$0] != targets[$0] }
        return (EdgeIndex(sources: kept.map { sources[$0] }, targets: kept.map { targets[$0] }, nodeCount: nodeCount), kept)
    }

    /// The edges followed by one self-loop per node, 0 to n − 1 (PyG `add_self_loops`).
    public func addingSelfLoops() -> EdgeIndex {
        let nodes = Array(0..<nodeCount)
        return EdgeIndex(sources: sources + nodes, targets: targets + nodes, nodeCount: nodeCount)
    }

    /// PyG's `add_remaining_self_loops`: the edges that are not self-loops, then one self-loop per
    /// node weighted `fill` — or, for a node that had self-loops, the weight of its last one. Returns
    /// the new edges and their weights (`weights` gives one per edge; nil: every edge weighs 1).
    public func addingRemainingSelfLoops(weights: [Float]?, fill: Float) -> (edges: EdgeIndex, weights: [Float]) {
        require(weights == nil || weights!.count == count, "EdgeIndex: \(weights?.count ?? 0) weights for \(count) edges")
        let w = weights ?? [Float](repeating: 1, count: count)
        var loopWeights = [Float](repeating: fill, count: nodeCount)
        var sources: [Int] = [], targets: [Int] = [], kept: [Float] = []
        for e in 0..<count {
            if self.sources[e] == self.targets[e] {
                loopWeights[self.sources[e]] = w[e]
            } else {
                sources.append(self.sources[e]); targets.append(self.targets[e]); kept.append(w[e])
            }
        }
        let nodes = Array(0..<nodeCount)
        return (EdgeIndex(sources: sources + nodes, targets: targets + nodes, nodeCount: nodeCount), kept + loopWeights)
    }

    /// The adjacency whose row i holds the edges arriving at node i (column: their source), the
    /// operator of sum aggregation: `adjacency.matmul(x, values:)` sums the messages of each node.
    public var adjacency: SparseMatrix {
        SparseMatrix(rows: nodeCount, columns: nodeCount, rowIndices: targets, columnIndices: sources)
    }
}

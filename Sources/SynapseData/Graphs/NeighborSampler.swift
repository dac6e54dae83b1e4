import SynapseCore

/// The computation graph of a mini-batch of seed nodes under neighbour sampling: the nodes it
/// reaches (seeds first, in order), and the sampled edges between them in local numbering.
public struct SampledSubgraph: Sendable {
    /// The graph's node ids of the subgraph's nodes; the first `seedCount` are the seeds.
    public let nodes: [Int]
    /// Sampled edges (messages flow source → target) between local node indices.
    public let edges: EdgeIndex
    /// How many of `nodes` are seeds (whose outputs the loss reads).
    public let seedCount: Int
}

/// Neighbour sampling for graphs too large to run whole (GraphSAGE, Hamilton et al. 2017; PyTorch
/// Geometric's `NeighborLoader(num_neighbors: fanouts)`): from a batch of seed nodes, each hop
/// samples up to `fanouts[h]` incoming neighbours of every node the previous hop reached, without
/// replacement (all of them when fewer). A network of `fanouts.count` message-passing layers run
/// on the subgraph computes the seeds' outputs from the sampled neighbourhoods only.
///
/// Deterministic: the sample is drawn from a generator the caller passes.
public struct NeighborSampler: Sendable {
    /// Neighbours sampled per node at each hop (first: the seeds' neighbours); -1 takes all.
    public let fanouts: [Int]
    /// Nodes of the graph.
    public let nodeCount: Int
    private let offsets: [Int]
    private let neighbours: [Int]

    /// A sampler over `edges` (incoming edges are what a node aggregates).
    public init(edges: EdgeIndex, fanouts: [Int]) {
        require(!fanouts.isEmpty && fanouts.allSatisfy { $0 > 0 || $0 == -1 },
                "NeighborSampler: fanouts must be positive (or -1 for all), got \(fanouts)")
        self.fanouts = fanouts
        nodeCount = edges.nodeCount
        // Incoming neighbours of each node, CSR by target, in edge order.
        var counts = [Int](repeating: 0, count: edges.nodeCount + 1)
        for t in edges.targets { counts[t + 1] += 1 }
        for i in 0..<edges.nodeCount { counts[i + 1] += counts[i] }
        var fill = counts, list = [Int](repeating: 0, count: edges.count)
        for (s, t) in zip(edges.sources, edges.targets) {
            list[fill[t]] = s
            fill[t] += 1
        }
        offsets = counts
        neighbours = list
    }

    /// The subgraph `fanouts.count` hops around `seeds` (duplicates among the seeds are kept once).
    public func sample(seeds: [Int], generator: RandomGenerator) -> SampledSubgraph {
        var local: [Int: Int] = [:], nodes: [Int] = []
        for s in seeds where local[s] == nil {
            require((0..<nodeCount).contains(s), "NeighborSampler: seed \(s) outside the \(nodeCount) nodes")
            local[s] = nodes.count
            nodes.append(s)
        }
        let seedCount = nodes.count
        var sources: [Int] = [], targets: [Int] = []
        var frontier = 0..<seedCount
        var picked: [Int] = []
        for fanout in fanouts {
            let end = nodes.count
            for v in frontier {
                let node = nodes[v], start = offsets[node], degree = offsets[node + 1] - start
                picked.removeAll(keepingCapacity: true)
                if fanout == -1 || degree <= fanout {
                    picked.append(contentsOf: neighbours[start..<(start + degree)])
                } else {
                    // Floyd's algorithm: `fanout` distinct positions among `degree`, no allocation of 0..<degree.
                    var chosen = Set<Int>()
                    for j in (degree - fanout)..<degree {
                        let r = generator.nextInt(below: j + 1)
                        chosen.insert(chosen.contains(r) ? j : r)
                    }
                    for position in chosen.sorted() { picked.append(neighbours[start + position]) }
                }
                for u in picked {
                    let index: Int
                    if let known = local[u] { index = known } else {
                        index = nodes.count
                        local[u] = index
                        nodes.append(u)
                    }
                    sources.append(index)
                    targets.append(v)
                }
            }
            frontier = end..<nodes.count
        }
        return SampledSubgraph(nodes: nodes, edges: EdgeIndex(sources: sources, targets: targets, nodeCount: nodes.count),
                               seedCount: seedCount)
    }
}

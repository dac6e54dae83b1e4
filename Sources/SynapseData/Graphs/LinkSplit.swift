import SynapseCore

/// The edges of an undirected graph split for link prediction, as PyTorch Geometric's
/// `RandomLinkSplit(num_val:, num_test:, is_undirected: True, add_negative_train_samples: False)`:
/// a random share of the edges is held out for validation and for testing, each with as many
/// *negative* pairs — node pairs with no edge anywhere in the graph — drawn once; the model passes
/// messages along the training edges only, so a held-out edge never helps to predict itself.
/// Training draws fresh negatives each step (`NegativeSampler`).
public struct LinkSplit: Sendable {
    /// Node pairs with the label 1 (an edge) or 0 (no edge).
    public struct LabelledPairs: Sendable {
        /// The first node of each pair.
        public let sources: [Int]
        /// The second node.
        public let targets: [Int]
        /// 1 for an edge of the graph, 0 for a negative pair.
        public let labels: [Float]
        /// Pairs.
        public var count: Int { sources.count }
    }

    /// The message-passing graph: the training edges, both directions.
    public let trainingEdges: EdgeIndex
    /// The training edges, each undirected edge once (the positives of training).
    public let trainingPairs: [(Int, Int)]
    /// Held-out edges and as many negative pairs, for model selection.
    public let validation: LabelledPairs
    /// Held-out edges and as many negative pairs, for the reported AUC.
    public let test: LabelledPairs
    /// Every edge of the whole graph as `min·n + max` keys (what a negative must avoid).
    public let allEdgeKeys: Set<Int>

    /// Splits the undirected graph `edges` (both directions listed; self-loops are dropped),
    /// holding out `validationFraction` and `testFraction` of its edges (rounded down, PyG's rule).
    /// - Throws: `DataError.invalidContents` when too few edges or non-edges remain for a split.
    public init(edges: EdgeIndex, validationFraction: Double = 0.05, testFraction: Double = 0.1, seed: UInt64,
                name: String = "graph") throws(DataError) {
        require(validationFraction >= 0 && testFraction > 0 && validationFraction + testFraction < 1,
                "LinkSplit: fractions must leave training edges, got \(validationFraction) and \(testFraction)")
        let n = edges.nodeCount
        var keys = Set<Int>(), pairs: [(Int, Int)] = []
        for (s, t) in zip(edges.sources, edges.targets) where s != t {
            let key = Swift.min(s, t) * n + Swift.max(s, t)
            if keys.insert(key).inserted { pairs.append((Swift.min(s, t), Swift.max(s, t))) }
        }
        let validationCount = Int(Double(pairs.count) * validationFraction), testCount = Int(Double(pairs.count) * testFraction)
        guard testCount >= 1, pairs.count - validationCount - testCount >= 1 else {
            throw .invalidContents(path: name, reason: "\(pairs.count) undirected edges are too few to hold out "
                                   + "\(Int(validationFraction * 100))% and \(Int(testFraction * 100))% for link prediction")
        }
        let possible = n * (n - 1) / 2
        guard possible - pairs.count >= validationCount + testCount else {
            throw .invalidContents(path: name, reason: "the graph is too dense to draw \(validationCount + testCount) node pairs without an edge")
        }
        let generator = RandomGenerator(seed: seed)
        for i in stride(from: pairs.count - 1, to: 0, by: -1) { pairs.swapAt(i, generator.nextInt(below: i + 1)) }
        let validationPairs = pairs[..<validationCount], testPairs = pairs[validationCount..<(validationCount + testCount)]
        let training = Array(pairs[(validationCount + testCount)...])
        // Negatives avoid every edge of the graph, and the validation and test negatives each other.
        var negatives = NegativeSampler(nodeCount: n, excluded: keys)
        let drawn = negatives.drawDistinct(validationCount + testCount, generator: generator)
        func labelled(_ positives: ArraySlice<(Int, Int)>, _ negatives: ArraySlice<(Int, Int)>) -> LabelledPairs {
            LabelledPairs(sources: positives.map(\.0) + negatives.map(\.0), targets: positives.map(\.1) + negatives.map(\.1),
                          labels: Array(repeating: 1, count: positives.count) + Array(repeating: 0, count: negatives.count))
        }
        validation = labelled(validationPairs, drawn[..<validationCount])
        test = labelled(testPairs, drawn[validationCount...])
        trainingPairs = training
        trainingEdges = EdgeIndex.undirected(training, nodeCount: n)
        allEdgeKeys = keys
    }
}

/// Draws node pairs (u, v), u ≠ v, uniformly among the pairs that are not edges — PyG's
/// `negative_sampling` for an undirected graph, by rejection (cheap while the graph is sparse).
public struct NegativeSampler: Sendable {
    /// Nodes of the graph.
    public let nodeCount: Int
    /// `min·n + max` keys of the pairs that are never drawn.
    public private(set) var excluded: Set<Int>

    /// A sampler over `nodeCount` nodes avoiding the pairs `excluded` (keys `min·n + max`).
    public init(nodeCount: Int, excluded: Set<Int>) {
        require(nodeCount >= 2, "NegativeSampler: needs at least 2 nodes, got \(nodeCount)")
        self.nodeCount = nodeCount
        self.excluded = excluded
    }

    /// One non-edge pair (smaller node first).
    public func draw(generator: RandomGenerator) -> (Int, Int) {
        while true {
            let a = generator.nextInt(below: nodeCount), b = generator.nextInt(below: nodeCount)
            guard a != b else { continue }
            let (u, v) = (Swift.min(a, b), Swift.max(a, b))
            if !excluded.contains(u * nodeCount + v) { return (u, v) }
        }
    }

    /// `count` distinct non-edge pairs; each is then excluded from later draws of this sampler.
    public mutating func drawDistinct(_ count: Int, generator: RandomGenerator) -> [(Int, Int)] {
        require(nodeCount * (nodeCount - 1) / 2 - excluded.count >= count, "NegativeSampler: fewer than \(count) non-edges are left")
        var out: [(Int, Int)] = []
        out.reserveCapacity(count)
        while out.count < count {
            let (u, v) = draw(generator: generator)
            excluded.insert(u * nodeCount + v)
            out.append((u, v))
        }
        return out
    }
}

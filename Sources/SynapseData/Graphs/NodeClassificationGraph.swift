import SynapseCore

/// A graph whose nodes carry class labels, with the node split of a node-classification task
/// (semi-supervised: the whole graph is seen, only the training nodes' labels are).
public struct NodeClassificationGraph: Sendable {
    /// The graph's name ("karate").
    public var name: String
    /// The edges, both directions listed for an undirected graph.
    public var edges: EdgeIndex
    /// One weight per edge, when the file gives them (the layers may use or ignore them).
    public var edgeWeights: [Float]?
    /// Node features [nodes, F]; one-hot node identities where the data has none.
    public var features: Tensor
    /// Each node's class (index into `classNames`).
    public var labels: [Int]
    /// Class names by index.
    public var classNames: [String]
    /// Each node's identifier in the data files.
    public var nodeNames: [String]
    /// Names of the feature columns (empty: one-hot identities).
    public var featureNames: [String]
    /// Nodes whose labels train the model.
    public var trainNodes: [Int]
    /// Nodes for model selection (may be empty).
    public var validationNodes: [Int]
    /// Nodes the reported accuracy is measured on.
    public var testNodes: [Int]

    /// A graph from its parts; the split starts empty.
    public init(name: String, edges: EdgeIndex, edgeWeights: [Float]? = nil, features: Tensor, labels: [Int], classNames: [String],
                nodeNames: [String], featureNames: [String]) {
        self.name = name
        self.edges = edges
        self.edgeWeights = edgeWeights
        self.features = features
        self.labels = labels
        self.classNames = classNames
        self.nodeNames = nodeNames
        self.featureNames = featureNames
        trainNodes = []
        validationNodes = []
        testNodes = []
    }

    /// Nodes.
    public var nodeCount: Int { edges.nodeCount }

    /// The graph with a random split in PyTorch Geometric's `RandomNodeSplit(split: "test_rest"…)`
    /// proportions of the Planetoid benchmarks: `trainPerClass` random nodes of every class train,
    /// then `validation` and `test` nodes are drawn from the rest (all of the rest when `test` is nil).
    /// Seeded, so the same seed gives the same split.
    /// - Throws: `DataError.invalidContents` when a class has fewer than `trainPerClass` nodes or
    ///   too few nodes are left for the validation and test sets.
    public func randomlySplit(trainPerClass: Int, validation: Int, test: Int?, seed: UInt64) throws(DataError) -> NodeClassificationGraph {
        require(trainPerClass >= 1 && validation >= 0 && (test ?? 1) >= 1, "randomlySplit: sizes must be positive")
        let generator = RandomGenerator(seed: seed)
        func shuffled(_ nodes: [Int]) -> [Int] {
            var out = nodes
            for i in stride(from: out.count - 1, to: 0, by: -1) { out.swapAt(i, generator.nextInt(below: i + 1)) }
            return out
        }
        var train: [Int] = []
        for c in classNames.indices {
            let members = labels.indices.filter { labels[$0] == c }
            guard members.count >= trainPerClass else {
                throw .invalidContents(path: name, reason: "class \"\(classNames[c])\" has \(members.count) nodes; "
                                       + "\(trainPerClass) per class are asked to train on")
            }
            train += shuffled(members).prefix(trainPerClass)
        }
        let inTrain = Set(train)
        let rest = shuffled(labels.indices.filter { !inTrain.contains($0) })
        let testCount = test ?? (rest.count - validation)
        guard validation + testCount <= rest.count, testCount >= 1 else {
            throw .invalidContents(path: name, reason: "\(rest.count) nodes are left after the training nodes; "
                                   + "\(validation) validation and \(test.map(String.init) ?? "the remaining") test nodes were asked for")
        }
        var out = self
        out.trainNodes = train.sorted()
        out.validationNodes = rest.prefix(validation).sorted()
        out.testNodes = rest.dropFirst(validation).prefix(testCount).sorted()
        return out
    }
}

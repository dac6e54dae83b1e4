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
}

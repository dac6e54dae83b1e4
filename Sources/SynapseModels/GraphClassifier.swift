import SynapseCore
import SynapseNN

/// Graph classification — one class per small graph (a molecule, say) — as PyTorch Geometric's
/// TUDataset examples build it: three message-passing layers of `hidden` features with ReLU, a
/// global pooling of each graph's nodes into one row, dropout, and a linear map to the classes.
///
/// It runs on a `GraphBatch`-style batch: the graphs' nodes stacked, their edges renumbered, and
/// `batch` naming each node's graph. State-dict names: `conv1.*`, `conv2.*`, `conv3.*` (PyG's
/// layer names inside), `lin.*`.
public final class GraphClassifier: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "\(kind.rawValue), \(inputSize) → \(hidden)\(kind == .gat ? "×\(heads)" : "") ×3, \(pooling.rawValue) pooling → \(classes)"
    }

    /// The layer kind.
    public let kind: GraphConvolutionKind
    /// The message-passing layers.
    public let conv1: any GraphLayer, conv2: any GraphLayer, conv3: any GraphLayer
    /// The classifier on the pooled rows.
    public let lin: Linear
    /// Dropout before `lin`.
    public let dropout: Dropout
    /// How each graph's nodes become one row.
    public let pooling: GraphPooling
    /// Features per node in.
    public let inputSize: Int
    /// Hidden features (per head for gat).
    public let hidden: Int
    /// gat's attention heads (concatenated; 1 for the others).
    public let heads: Int
    /// Classes.
    public let classes: Int

    /// A classifier of `classes` from `inputSize` node features.
    public init(kind: GraphConvolutionKind, inputSize: Int, hidden: Int = 64, classes: Int, heads: Int = 4, pooling: GraphPooling = .mean,
                dropout: Float = 0.5, generator: RandomGenerator = .global) {
        require(inputSize > 0 && hidden > 0 && classes > 0 && heads > 0,
                "GraphClassifier: sizes must be positive, got input \(inputSize), hidden \(hidden), classes \(classes), heads \(heads)")
        self.kind = kind
        self.inputSize = inputSize
        self.hidden = hidden
        self.classes = classes
        self.pooling = pooling
        self.heads = kind == .gat ? heads : 1
        let width = hidden * self.heads
        conv1 = kind.layer(inputSize, hidden, heads: heads, concat: true, generator: generator)
        conv2 = kind.layer(width, hidden, heads: heads, concat: true, generator: generator)
        conv3 = kind.layer(width, hidden, heads: heads, concat: true, generator: generator)
        lin = Linear(width, classes, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        super.init()
    }

    /// The logits [graphs, classes] of a batch: node features `x` [nodes, inputSize] over `edges`,
    /// node i belonging to graph `batch[i]` of `graphCount`.
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex, batch: [Int], graphCount: Int) -> Tensor {
        recordingCall {
            require(x.rank == 2 && x.shape[1] == inputSize && batch.count == x.shape[0],
                    "GraphClassifier: expected node features [nodes, \(inputSize)] and one graph per node, got \(x.shape) and \(batch.count)")
            var h = relu(conv1(x, edges: edges))
            h = relu(conv2(h, edges: edges))
            h = relu(conv3(h, edges: edges))
            return lin(dropout(pooling(h, batch: batch, graphCount: graphCount)))
        }
    }
}

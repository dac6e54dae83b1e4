import SynapseCore
import SynapseNN

/// The message-passing layer of a `GraphNodeClassifier`.
public enum GraphConvolutionKind: String, Sendable, CaseIterable {
    /// `GCNConv` (Kipf and Welling 2017).
    case gcn
    /// `SAGEConv` with the mean aggregator (Hamilton et al. 2017).
    case sage
    /// `GATConv` (Veličković et al. 2018).
    case gat

    /// A layer of this kind from `input` to `output` features per node; gat's `heads` heads are
    /// concatenated (`concat`) or averaged, with `dropout` on the attention coefficients.
    public func layer(_ input: Int, _ output: Int, heads: Int = 1, concat: Bool = true, dropout: Float = 0,
                      generator: RandomGenerator = .global) -> any GraphLayer {
        switch self {
        case .gcn: GCNConv(input, output, generator: generator)
        case .sage: SAGEConv(input, output, generator: generator)
        case .gat: GATConv(input, output, heads: heads, concat: concat, dropout: dropout, generator: generator)
        }
    }
}

/// A two-layer graph network for node classification, as PyTorch Geometric's examples build them:
///
/// - gcn and sage: dropout → conv1 (in → hidden) → ReLU → dropout → conv2 (hidden → classes);
/// - gat: dropout → GATConv(in → hidden, `heads` heads, concatenated) → ELU → dropout →
///   GATConv(hidden·heads → classes, one head), attention dropout as the feature dropout.
///
/// Its output is the logits of every node [nodes, classes]; a node-classification loss picks the
/// labelled nodes. State-dict names: `conv1.*`, `conv2.*` with PyG's layer names inside.
public final class GraphNodeClassifier: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(kind.rawValue), \(inputSize) → \(hidden)\(kind == .gat ? "×\(heads)" : "") → \(classes)" }

    /// The layer kind.
    public let kind: GraphConvolutionKind
    /// The first message-passing layer.
    public let conv1: any GraphLayer
    /// The second, producing the logits.
    public let conv2: any GraphLayer
    /// Dropout on the input and on the hidden features.
    public let dropout: Dropout
    /// Features per node in.
    public let inputSize: Int
    /// Hidden features (per head for gat).
    public let hidden: Int
    /// Attention heads of gat's first layer (1 for the others).
    public let heads: Int
    /// Classes.
    public let classes: Int

    /// A classifier of `classes` from `inputSize` node features.
    public init(kind: GraphConvolutionKind, inputSize: Int, hidden: Int = 16, classes: Int, heads: Int = 8, dropout: Float = 0.5,
                generator: RandomGenerator = .global) {
        require(inputSize > 0 && hidden > 0 && classes > 0 && heads > 0,
                "GraphNodeClassifier: sizes must be positive, got input \(inputSize), hidden \(hidden), classes \(classes), heads \(heads)")
        self.kind = kind
        self.inputSize = inputSize
        self.hidden = hidden
        self.classes = classes
        self.heads = kind == .gat ? heads : 1
        conv1 = kind.layer(inputSize, hidden, heads: heads, concat: true, dropout: dropout, generator: generator)
        conv2 = kind.layer(hidden * self.heads, classes, heads: 1, concat: false, dropout: dropout, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        super.init()
    }

    /// The logits of every node [nodes, classes] from node features `x` [nodes, inputSize].
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex) -> Tensor {
        recordingCall {
            require(x.rank == 2 && x.shape[1] == inputSize,
                    "GraphNodeClassifier: expected node features [nodes, \(inputSize)], got \(x.shape)")
            var h = conv1(dropout(x), edges: edges)
            h = kind == .gat ? elu(h) : relu(h)
            return conv2(dropout(h), edges: edges)
        }
    }
}

import SynapseCore
import SynapseNN

/// A two-layer graph network for node classification, as PyTorch Geometric's examples build them:
///
/// - gcn and sage: dropout → conv1 (in → hidden) → ReLU → dropout → conv2 (hidden → classes);
/// - gat: dropout → GATConv(in → hidden, `heads` heads, concatenated) → ELU → dropout →
///   GATConv(hidden·heads → classes, one head), attention dropout as the feature dropout.
///
/// Its output is the logits of every node [nodes, classes]; a node-classification loss picks the
/// labelled nodes. State-dict names: `conv1.*`, `conv2.*` with PyG's layer names inside.
public final class GraphNodeClassifier: TwoLayerGraphNetwork {
    /// Classes.
    public var classes: Int { outputSize }

    /// A classifier of `classes` from `inputSize` node features.
    public init(kind: GraphConvolutionKind, inputSize: Int, hidden: Int = 16, classes: Int, heads: Int = 8, dropout: Float = 0.5,
                generator: RandomGenerator = .global) {
        super.init(name: "GraphNodeClassifier", kind: kind, inputSize: inputSize, hidden: hidden, outputSize: classes,
                   outputName: "classes", heads: heads, dropout: dropout, generator: generator)
    }

    /// The logits of every node [nodes, classes] from node features `x` [nodes, inputSize].
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex) -> Tensor {
        propagate(x, edges: edges, dropInput: true)
    }
}

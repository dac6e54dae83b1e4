import SynapseCore
import SynapseNN

/// Two message-passing layers as PyTorch Geometric's examples stack them — conv1 (in → hidden;
/// gat: `heads` heads, concatenated) → ReLU (gat: ELU) → dropout → conv2 (→ output, one head) —
/// the body that `GraphNodeClassifier` (output: class logits) and `GraphLinkPredictor` (output: node
/// embeddings) share. State-dict names: `conv1.*`, `conv2.*` with PyG's layer names inside.
public class TwoLayerGraphNetwork: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "\(kind.rawValue), \(inputSize) → \(hidden)\(kind == .gat ? "×\(heads)" : "") → \(outputSize)"
    }

    /// The layer kind.
    public let kind: GraphConvolutionKind
    /// The first message-passing layer.
    public let conv1: any GraphLayer
    /// The second, producing the output.
    public let conv2: any GraphLayer
    /// Dropout on the hidden features (and on the input, where the model drops it).
    public let dropout: Dropout
    /// Features per node in.
    public let inputSize: Int
    /// Hidden features (per head for gat).
    public let hidden: Int
    /// Attention heads of gat's first layer (1 for the others).
    public let heads: Int
    /// Features per node out.
    public let outputSize: Int
    // The model's name in shape errors.
    private let name: String

    /// The two layers from `inputSize` to `outputSize` features per node; `name` names the model in
    /// errors. gat uses `dropout` on its attention coefficients too.
    init(name: String, kind: GraphConvolutionKind, inputSize: Int, hidden: Int, outputSize: Int, outputName: String,
         heads: Int, dropout: Float, generator: RandomGenerator) {
        require(inputSize > 0 && hidden > 0 && outputSize > 0 && heads > 0,
                "\(name): sizes must be positive, got input \(inputSize), hidden \(hidden), \(outputName) \(outputSize), heads \(heads)")
        self.name = name
        self.kind = kind
        self.inputSize = inputSize
        self.hidden = hidden
        self.outputSize = outputSize
        self.heads = kind == .gat ? heads : 1
        conv1 = kind.layer(inputSize, hidden, heads: heads, concat: true, dropout: dropout, generator: generator)
        conv2 = kind.layer(hidden * self.heads, outputSize, heads: 1, concat: false, dropout: dropout, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        super.init()
    }

    /// [nodes, outputSize] from node features `x` [nodes, inputSize] over `edges`, with dropout on
    /// the input first when `dropInput`.
    func propagate(_ x: Tensor, edges: EdgeIndex, dropInput: Bool) -> Tensor {
        recordingCall {
            require(x.rank == 2 && x.shape[1] == inputSize, "\(name): expected node features [nodes, \(inputSize)], got \(x.shape)")
            let h = conv1(dropInput ? dropout(x) : x, edges: edges)
            return conv2(dropout(kind == .gat ? elu(h) : relu(h)), edges: edges)
        }
    }
}

import SynapseCore
import SynapseNN

/// Link prediction with a graph auto-encoder (Kipf and Welling 2016), as PyTorch Geometric's
/// `link_pred.py` example builds it: a two-layer encoder — conv1 (in → hidden) → ReLU → dropout →
/// conv2 (hidden → embedding) — gives every node an embedding z, and the logit of an edge between
/// u and v is the inner product zᵤ·zᵥ (sigmoid of it: the edge's probability).
///
/// State-dict names: `conv1.*`, `conv2.*` with PyG's layer names inside (gat: `heads` concatenated
/// heads in conv1, one in conv2).
public final class GraphLinkPredictor: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(kind.rawValue), \(inputSize) → \(hidden)\(kind == .gat ? "×\(heads)" : "") → \(embedding)" }

    /// The layer kind.
    public let kind: GraphConvolutionKind
    /// The first message-passing layer.
    public let conv1: any GraphLayer
    /// The second, producing the embeddings.
    public let conv2: any GraphLayer
    /// Dropout on the hidden features.
    public let dropout: Dropout
    /// Features per node in.
    public let inputSize: Int
    /// Hidden features (per head for gat).
    public let hidden: Int
    /// Embedding width.
    public let embedding: Int
    /// Attention heads of gat's first layer (1 for the others).
    public let heads: Int

    /// A predictor from `inputSize` node features to `embedding`-wide node embeddings.
    public init(kind: GraphConvolutionKind, inputSize: Int, hidden: Int = 128, embedding: Int = 64, heads: Int = 8, dropout: Float = 0,
                generator: RandomGenerator = .global) {
        require(inputSize > 0 && hidden > 0 && embedding > 0 && heads > 0,
                "GraphLinkPredictor: sizes must be positive, got input \(inputSize), hidden \(hidden), embedding \(embedding), heads \(heads)")
        self.kind = kind
        self.inputSize = inputSize
        self.hidden = hidden
        self.embedding = embedding
        self.heads = kind == .gat ? heads : 1
        conv1 = kind.layer(inputSize, hidden, heads: heads, concat: true, dropout: dropout, generator: generator)
        conv2 = kind.layer(hidden * self.heads, embedding, heads: 1, concat: false, dropout: dropout, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        super.init()
    }

    /// Every node's embedding [nodes, embedding] from node features `x` [nodes, inputSize] over `edges`.
    public func encode(_ x: Tensor, edges: EdgeIndex) -> Tensor {
        recordingCall {
            require(x.rank == 2 && x.shape[1] == inputSize,
                    "GraphLinkPredictor: expected node features [nodes, \(inputSize)], got \(x.shape)")
            let h = conv1(x, edges: edges)
            return conv2(dropout(kind == .gat ? elu(h) : relu(h)), edges: edges)
        }
    }

    /// The logits zᵤ·zᵥ [pairs] of the pairs (`sources[i]`, `targets[i]`) from embeddings `z`.
    public func decode(_ z: Tensor, sources: [Int], targets: [Int]) -> Tensor {
        require(sources.count == targets.count, "GraphLinkPredictor.decode: \(sources.count) sources but \(targets.count) targets")
        let u = z.indexSelect(dim: 0, index: IntTensor(sources)), v = z.indexSelect(dim: 0, index: IntTensor(targets))
        return (u * v).sum(dim: 1)
    }

    /// The logits of the pairs from node features `x` over `edges`.
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex, sources: [Int], targets: [Int]) -> Tensor {
        decode(encode(x, edges: edges), sources: sources, targets: targets)
    }
}

import SynapseCore
import SynapseNN

/// Link prediction with a graph auto-encoder (Kipf and Welling 2016), as PyTorch Geometric's
/// `link_pred.py` example builds it: a two-layer encoder — conv1 (in → hidden) → ReLU → dropout →
/// conv2 (hidden → embedding) — gives every node an embedding z, and the logit of an edge between
/// u and v is the inner product zᵤ·zᵥ (sigmoid of it: the edge's probability).
///
/// State-dict names: `conv1.*`, `conv2.*` with PyG's layer names inside (gat: `heads` concatenated
/// heads in conv1, one in conv2).
public final class GraphLinkPredictor: TwoLayerGraphNetwork {
    /// Embedding width.
    public var embedding: Int { outputSize }

    /// A predictor from `inputSize` node features to `embedding`-wide node embeddings.
    public init(kind: GraphConvolutionKind, inputSize: Int, hidden: Int = 128, embedding: Int = 64, heads: Int = 8, dropout: Float = 0,
                generator: RandomGenerator = .global) {
        super.init(name: "GraphLinkPredictor", kind: kind, inputSize: inputSize, hidden: hidden, outputSize: embedding,
                   outputName: "embedding", heads: heads, dropout: dropout, generator: generator)
    }

    /// Every node's embedding [nodes, embedding] from node features `x` [nodes, inputSize] over `edges`.
    public func encode(_ x: Tensor, edges: EdgeIndex) -> Tensor {
        propagate(x, edges: edges, dropInput: false)
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

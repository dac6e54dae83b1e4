import Foundation
import SynapseCore

/// The graph convolution of Kipf and Welling (2017), PyTorch Geometric's `GCNConv`:
/// X′ = D̂^{-1/2} Â D̂^{-1/2} X Θ + b, where Â is the adjacency with self-loops (weight 1, or 2 when
/// `improved`) and D̂ its in-degree (sum of incoming edge weights). As PyG, existing self-loops keep
/// their weight (`add_remaining_self_loops`), nodes of zero degree get no normalisation, and the
/// linear map runs before the propagation. Also as PyG 2.x: `improved` only takes effect when edge
/// weights are given (without them every edge and loop weighs 1); pass weights of 1 for A + 2I.
///
/// Parameters carry PyG's state-dict names: `lin.weight` [out, in] (no bias) and `bias` [out];
/// `lin.weight` is Glorot-uniform and `bias` zero at initialisation, as in PyG.
public final class GCNConv: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(lin.inFeatures) → \(lin.outFeatures)" + (improved ? ", improved" : "") }

    /// Θ, without bias.
    public let lin: Linear
    /// b [out], or nil.
    public let bias: Parameter?
    /// Self-loops weigh 2 instead of 1.
    public let improved: Bool
    /// Add self-loops before normalising.
    public let addSelfLoops: Bool
    /// Apply the symmetric normalisation (off: plain weighted sum of neighbours).
    public let normalize: Bool

    /// A layer from `inChannels` to `outChannels` features per node.
    public init(_ inChannels: Int, _ outChannels: Int, improved: Bool = false, addSelfLoops: Bool = true, normalize: Bool = true,
                bias: Bool = true, generator: RandomGenerator = .global) {
        lin = Linear(inChannels, outChannels, bias: false, generator: generator)
        lin.weight.value = Init.xavierUniform([outChannels, inChannels], generator: generator)
        self.bias = bias ? Parameter(Tensor.zeros([outChannels])) : nil
        self.improved = improved
        self.addSelfLoops = addSelfLoops
        self.normalize = normalize
        super.init()
    }

    /// The normalised edges and their weights: PyG's `gcn_norm`.
    func normalizedEdges(_ edges: EdgeIndex, weights: [Float]?) -> (edges: EdgeIndex, weights: [Float]) {
        var (e, w) = (edges, weights ?? [Float](repeating: 1, count: edges.count))
        // PyG fills new self-loops with 2 (`improved`) only when edge weights are given; without
        // them every edge, loops included, weighs 1. Kept as PyG does it, so ported models agree.
        if addSelfLoops { (e, w) = edges.addingRemainingSelfLoops(weights: weights, fill: improved && weights != nil ? 2 : 1) }
        guard normalize else { return (e, w) }
        var degree = [Float](repeating: 0, count: e.nodeCount)
        for (k, t) in e.targets.enumerated() { degree[t] += w[k] }
        let inverseRoot = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        for k in w.indices { w[k] = inverseRoot[e.sources[k]] * w[k] * inverseRoot[e.targets[k]] }
        return (e, w)
    }

    /// The layer on node features `x` [nodes, in] over `edges`, optionally weighted (one weight per
    /// edge; constants, not learned).
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex, edgeWeights: [Float]? = nil) -> Tensor {
        recordingCall {
            require(x.rank == 2 && x.shape[0] == edges.nodeCount,
                    "GCNConv: node features \(x.shape) do not match a graph of \(edges.nodeCount) nodes")
            require(edgeWeights == nil || edgeWeights!.count == edges.count,
                    "GCNConv: \(edgeWeights?.count ?? 0) edge weights for \(edges.count) edges")
            let (e, w) = normalizedEdges(edges, weights: edgeWeights)
            var y = e.adjacency.matmul(lin(x), values: Tensor(shape: [w.count], scalars: w))
            if let bias { y = y + bias.value }
            return y
        }
    }
}

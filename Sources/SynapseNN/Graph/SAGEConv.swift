import SynapseCore

/// GraphSAGE with the mean aggregator (Hamilton et al. 2017), PyTorch Geometric's `SAGEConv`:
/// x′ᵢ = W₁ · mean_{j → i} xⱼ + W₂ · xᵢ, optionally L2-normalised. Nodes without incoming edges
/// aggregate 0. Parameters carry PyG's names: `lin_l.weight`, `lin_l.bias` (the neighbours' map,
/// with the bias) and `lin_r.weight` (the root's map, no bias), initialised as PyTorch's `Linear`.
public final class SAGEConv: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(linL.inFeatures) → \(linL.outFeatures), aggr: mean" + (normalize ? ", normalize" : "") }

    /// W₁ and the bias (PyG `lin_l`).
    public let linL: Linear
    /// W₂ (PyG `lin_r`), or nil without the root term.
    public let linR: Linear?
    /// L2-normalise each output row.
    public let normalize: Bool

    /// PyG's names for the two maps.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "linL": "lin_l"
        case "linR": "lin_r"
        default: name
        }
    }

    /// A layer from `inChannels` to `outChannels` features per node.
    public init(_ inChannels: Int, _ outChannels: Int, normalize: Bool = false, rootWeight: Bool = true, bias: Bool = true,
                generator: RandomGenerator = .global) {
        linL = Linear(inChannels, outChannels, bias: bias, generator: generator)
        linR = rootWeight ? Linear(inChannels, outChannels, bias: false, generator: generator) : nil
        self.normalize = normalize
        super.init()
    }

    /// The layer on node features `x` [nodes, in] over `edges`.
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex) -> Tensor {
        recordingCall {
            require(x.rank == 2 && x.shape[0] == edges.nodeCount,
                    "SAGEConv: node features \(x.shape) do not match a graph of \(edges.nodeCount) nodes")
            // The mean as a sparse product: each incoming edge weighs 1 / in-degree of its target.
            let degrees = edges.inDegrees
            let weights = edges.targets.map { 1 / Float(degrees[$0]) }
            var y = linL(edges.adjacency.matmul(x, values: Tensor(shape: [weights.count], scalars: weights)))
            if let linR { y = y + linR(x) }
            if normalize {
                // F.normalize(p=2, eps=1e-12): divide by max(‖row‖, eps).
                y = y / clamp(sqrt(square(y).sum(dim: 1, keepdim: true)), min: 1e-12)
            }
            return y
        }
    }
}

import SynapseCore

/// A message-passing layer: node features [nodes, in] over a graph's edges to [nodes, out].
/// `GCNConv`, `SAGEConv` and `GATConv` conform, so models can hold any of them.
public protocol GraphLayer: Module {
    /// The layer on node features `x` over `edges`.
    func callAsFunction(_ x: Tensor, edges: EdgeIndex) -> Tensor
}

extension GCNConv: GraphLayer {
    /// The layer with every edge weighing 1.
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex) -> Tensor { callAsFunction(x, edges: edges, edgeWeights: nil) }
}

extension SAGEConv: GraphLayer {}
extension GATConv: GraphLayer {}

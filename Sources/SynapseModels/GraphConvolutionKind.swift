import SynapseCore
import SynapseNN

/// The message-passing layer of a `TwoLayerGraphNetwork` (`GraphNodeClassifier`, `GraphLinkPredictor`).
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

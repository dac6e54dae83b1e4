import SynapseCore

/// How the nodes of each graph in a batch are pooled into one row (PyG's `global_*_pool`).
public enum GraphPooling: String, Sendable, CaseIterable {
    /// `global_add_pool`.
    case add
    /// `global_mean_pool`.
    case mean
    /// `global_max_pool`.
    case max

    /// One row per graph from the node features `x` [nodes, F] of a batch of graphs, where
    /// `batch[i]` is the graph of node i (in `0..<graphCount`). Differentiable.
    public func callAsFunction(_ x: Tensor, batch: [Int], graphCount: Int) -> Tensor {
        let reduction: ScatterReduction = switch self {
        case .add: .sum
        case .mean: .mean
        case .max: .max
        }
        return x.scatter(index: batch, count: graphCount, reduce: reduction)
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// Finite-difference checks of the graph ops and layers (`FiniteDifference`), and the edge-list
/// helpers' PyG semantics.
@Suite struct GraphGradientTests {
    /// 5 nodes: 0 ↔ 1, 1 ↔ 2, 2 → 3 twice, a self-loop on 3, node 4 alone.
    static let edges = EdgeIndex(sources: [0, 1, 1, 2, 2, 2, 3], targets: [1, 0, 2, 1, 3, 3, 3], nodeCount: 5)

    @Test func scatterAndSegmentSoftmaxGradients() {
        let src = Tensor.uniform([7, 3], low: -1, high: 1, generator: RandomGenerator(seed: 1))
        for reduce in ScatterReduction.allCases {
            FiniteDifference.check("scatter \(reduce)", [src]) { $0[0].scatter(index: Self.edges.targets, count: 5, reduce: reduce) }
        }
        FiniteDifference.check("segmentSoftmax", [src]) { $0[0].segmentSoftmax(index: Self.edges.targets, count: 5) }
    }

    @Test func sparseMatmulGradientsInBothOperands() {
        let x = Tensor.uniform([5, 3], low: -1, high: 1, generator: RandomGenerator(seed: 2))
        let values = Tensor.uniform([7], low: 0.5, high: 1.5, generator: RandomGenerator(seed: 3))
        let a = Self.edges.adjacency
        FiniteDifference.check("sparse matmul", [x, values]) { a.matmul($0[0], values: $0[1]) }
        // Against the dense product, repeated entries summed.
        let dense = matmul(a.dense(values: values), x)
        #expect(zip(a.matmul(x, values: values).scalars, dense.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func layerGradientsInTheirInputs() {
        let x = Tensor.uniform([5, 4], low: -1, high: 1, generator: RandomGenerator(seed: 4))
        let gcn = GCNConv(4, 3, generator: RandomGenerator(seed: 5))
        FiniteDifference.check("GCNConv", [x]) { gcn($0[0], edges: Self.edges) }
        let sage = SAGEConv(4, 3, normalize: true, generator: RandomGenerator(seed: 6))
        FiniteDifference.check("SAGEConv", [x]) { sage($0[0], edges: Self.edges) }
        // Every attention logit must stay on one side of LeakyReLU's kink while one input moves by up
        // to 2h = 2⁻⁶ (|x| < 1): its sensitivity to one input is below 1 here, so |logit| > 0.02
        // suffices (seed chosen so).
        let gat = GATConv(4, 2, heads: 3, generator: RandomGenerator(seed: 9))
        gat.eval()
        let logits = gat.attentionLogits(x, edges: Self.edges).scalars
        #expect(logits.allSatisfy { abs($0) > 0.02 }, "an attention logit near the kink: \(logits)")
        FiniteDifference.check("GATConv", [x]) { gat($0[0], edges: Self.edges) }
    }

    @Test func selfLoopHelpersFollowPyG() {
        let (edges, weights) = Self.edges.addingRemainingSelfLoops(weights: [1, 2, 3, 4, 5, 6, 7], fill: 1)
        // The old self-loop 3 → 3 (weight 7) is removed and becomes node 3's loop with its weight.
        #expect(edges.sources == [0, 1, 1, 2, 2, 2, 0, 1, 2, 3, 4] && edges.targets == [1, 0, 2, 1, 3, 3, 0, 1, 2, 3, 4])
        #expect(weights == [1, 2, 3, 4, 5, 6, 1, 1, 1, 7, 1])
        let (without, kept) = Self.edges.removingSelfLoops()
        #expect(without.count == 6 && kept == [0, 1, 2, 3, 4, 5])
        #expect(without.addingSelfLoops().count == 11)
        #expect(EdgeIndex.undirected([(0, 1), (2, 2)], nodeCount: 3).count == 3)
        #expect(Self.edges.inDegrees == [1, 2, 1, 3, 0])
    }

    @Test func isolatedNodesAggregateNothing() {
        let x = Tensor.uniform([7, 2], low: -1, high: 1, generator: RandomGenerator(seed: 8))
        let mean = x.scatter(index: Self.edges.targets, count: 5, reduce: .mean)
        let maxed = x.scatter(index: Self.edges.targets, count: 5, reduce: .max)
        #expect(Array(mean.scalars[8...]) == [0, 0] && Array(maxed.scalars[8...]) == [0, 0])
    }
}

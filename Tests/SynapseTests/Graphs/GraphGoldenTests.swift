import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// The graph layers and aggregations against PyTorch Geometric 2.8 (`scripts/make-graph-fixtures.py`:
/// a 7-node graph with edges both ways, one one-way edge, a duplicated edge, a self-loop and an
/// isolated node). Each case loads PyG's parameters by their state-dict names (strict), runs the
/// forward pass and backpropagates the fixture's upstream; outputs and gradients of the input and
/// every parameter must agree within rtol 1e-4, atol 1e-5 (float32, different summation orders).
@Suite struct GraphGoldenTests {
    static let rtol = 1e-4, atol = 1e-5

    struct Fixture {
        let archive: SafeTensorsArchive
        let edges: EdgeIndex
        let x: Tensor

        init() throws {
            guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
            archive = try SafeTensorsArchive(contentsOf: dir.appendingPathComponent("graphs/pyg.safetensors"))
            let index = try archive.intTensor("edge_index").scalars
            let e = index.count / 2
            edges = EdgeIndex(sources: Array(index[..<e]), targets: Array(index[e...]), nodeCount: 7)
            x = try archive.tensor("x")
        }

        func tensor(_ name: String) throws -> Tensor { try archive.tensor(name) }

        /// Loads `name.param.*` into `module`, runs `forward` on x, backpropagates `name.upstream`
        /// and compares the output and every gradient.
        func check(_ name: String, _ module: Module, sourceLocation: SourceLocation = #_sourceLocation,
                   _ forward: (Tensor) -> Tensor) throws {
            var state: [String: Tensor] = [:]
            for key in archive.names where key.hasPrefix("\(name).param.") { state[String(key.dropFirst("\(name).param.".count))] = try tensor(key) }
            try module.loadStateDict(state, strict: true)
            module.eval()
            let input = x.requiringGrad()
            let y = forward(input)
            expectClose(y, try tensor("\(name).y"), rtol: rtol, atol: atol, "\(name) output", sourceLocation: sourceLocation)
            (y * (try tensor("\(name).upstream"))).sum().backward()
            expectClose(try #require(input.grad), try tensor("\(name).grad.x"), rtol: rtol, atol: atol, "\(name) grad x",
                        sourceLocation: sourceLocation)
            for (key, parameter) in module.namedParameters() {
                expectClose(try #require(parameter.grad, "\(name) \(key)"), try tensor("\(name).grad.\(key)"), rtol: rtol, atol: atol,
                            "\(name) grad \(key)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func gcnConvMatchesPyG() throws {
        let f = try Fixture()
        let plain = GCNConv(5, 4)
        try f.check("gcn", plain) { plain($0, edges: f.edges) }
        let weighted = GCNConv(5, 4)
        let weights = try f.tensor("edge_weight").scalars
        try f.check("gcn_weighted", weighted) { weighted($0, edges: f.edges, edgeWeights: weights) }
        let improved = GCNConv(5, 4, improved: true)
        try f.check("gcn_improved", improved) { improved($0, edges: f.edges) }
        let improvedWeighted = GCNConv(5, 4, improved: true)
        try f.check("gcn_improved_weighted", improvedWeighted) { improvedWeighted($0, edges: f.edges, edgeWeights: weights) }
    }

    @Test func sageConvMatchesPyG() throws {
        let f = try Fixture()
        let layer = SAGEConv(5, 4)
        #expect(Set(layer.stateDict().keys) == ["lin_l.weight", "lin_l.bias", "lin_r.weight"])
        try f.check("sage", layer) { layer($0, edges: f.edges) }
    }

    @Test func gatConvMatchesPyG() throws {
        let f = try Fixture()
        let concat = GATConv(5, 3, heads: 2)
        #expect(Set(concat.stateDict().keys) == ["lin.weight", "att_src", "att_dst", "bias"])
        try f.check("gat_concat", concat) { concat($0, edges: f.edges) }
        let mean = GATConv(5, 3, heads: 2, concat: false, negativeSlope: 0.1)
        try f.check("gat_mean", mean) { mean($0, edges: f.edges) }
        // Each node's attention over its incoming edges (self-loop included) sums to 1.
        let (_, used, attention) = mean.attend(f.x, edges: f.edges)
        let sums = attention.scatter(index: used.targets, count: 7).scalars
        #expect(sums.allSatisfy { abs($0 - 1) < 1e-5 }, "\(sums)")
        #expect(used.count == f.edges.count - 1 + 7, "the self-loop on node 2 is replaced, one loop per node added")
    }

    @Test func scatterSoftmaxAndPoolingMatchPyG() throws {
        let f = try Fixture()
        for reduce in ScatterReduction.allCases {
            let src = try f.tensor("scatter.src").requiringGrad()
            let y = src.scatter(index: f.edges.targets, count: 7, reduce: reduce)
            expectClose(y, try f.tensor("scatter_\(reduce.rawValue).y"), rtol: Self.rtol, atol: Self.atol, "scatter \(reduce)")
            (y * (try f.tensor("scatter_\(reduce.rawValue).upstream"))).sum().backward()
            expectClose(try #require(src.grad), try f.tensor("scatter_\(reduce.rawValue).grad.src"), rtol: Self.rtol, atol: Self.atol,
                        "scatter \(reduce) grad")
        }
        let logits = try f.tensor("softmax.src").requiringGrad()
        let p = logits.segmentSoftmax(index: f.edges.targets, count: 7)
        expectClose(p, try f.tensor("softmax.y"), rtol: Self.rtol, atol: Self.atol, "segment softmax")
        (p * (try f.tensor("softmax.upstream"))).sum().backward()
        expectClose(try #require(logits.grad), try f.tensor("softmax.grad.src"), rtol: Self.rtol, atol: Self.atol, "segment softmax grad")

        let batch = try f.archive.intTensor("pool.batch").scalars
        for pooling in GraphPooling.allCases {
            let x = f.x.requiringGrad()
            let y = pooling(x, batch: batch, graphCount: 3)
            expectClose(y, try f.tensor("pool_\(pooling.rawValue).y"), rtol: Self.rtol, atol: Self.atol, "pool \(pooling)")
            (y * (try f.tensor("pool_\(pooling.rawValue).upstream"))).sum().backward()
            expectClose(try #require(x.grad), try f.tensor("pool_\(pooling.rawValue).grad.x"), rtol: Self.rtol, atol: Self.atol,
                        "pool \(pooling) grad")
        }
    }
}

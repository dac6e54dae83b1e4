import Foundation
import Testing
@testable import Synapse

/// Many small graphs: the three-file CSV reader (every fault a `DataError` with its line), and a
/// mini-batch of graphs that gives every graph exactly what it gets alone.
@Suite struct GraphCollectionTests {
    static func write(_ graphs: String, _ nodes: String, _ edges: String) throws -> (URL, [URL]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graphset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let urls = ["graphs.csv", "nodes.csv", "edges.csv"].map { dir.appendingPathComponent($0) }
        for (text, url) in zip([graphs, nodes, edges], urls) { try text.write(to: url, atomically: true, encoding: .utf8) }
        return (dir, urls)
    }

    static let graphs = "graph,kind\nm1,ring\nm2,chain\nm3,ring\n"
    static let nodes = "graph,id,f\nm1,a,1\nm1,b,2\nm1,c,3\nm2,x,4\nm2,y,5\nm3,p,6\n"
    static let edges = "graph,source,target,order\nm1,a,b,1\nm1,b,c,2\nm1,c,a,1\nm1,a,b,1\nm2,y,x,1\n"

    @Test func readsGraphsWithTheirOwnNodesAndUndirectedEdges() throws {
        let (dir, urls) = try Self.write(Self.graphs, Self.nodes, Self.edges)
        defer { try? FileManager.default.removeItem(at: dir) }
        let set = try GraphCollectionCSV.read(graphs: urls[0], nodes: urls[1], edges: urls[2], labelColumn: "kind", name: "toy")
        #expect(set.count == 3 && set.classNames == ["chain", "ring"] && set.featureNames == ["f"])
        #expect(set.graphs.map(\.label) == [1, 0, 1] && set.graphs.map(\.nodeCount) == [3, 2, 1])
        // The repeated a-b bond is one edge; "order" is not a feature of edges here.
        #expect(set.graphs[0].edges.sources == [0, 1, 1, 2, 2, 0] && set.graphs[0].edges.targets == [1, 0, 2, 1, 0, 2])
        #expect(set.graphs[1].edges.sources == [1, 0] && set.graphs[2].edges.count == 0)
        #expect(set.graphs[1].features.scalars == [4, 5])
        let fixed = try GraphCollectionCSV.read(graphs: urls[0], nodes: urls[1], edges: urls[2], labelColumn: "kind",
                                                classNames: ["ring", "chain"], name: "toy")
        #expect(fixed.graphs.map(\.label) == [0, 1, 0])
    }

    @Test func faultsAreNamedWithTheirLine() throws {
        let cases: [(String, String, String, String)] = [
            ("graph,kind\nm1,ring\nm1,chain\n", Self.nodes, Self.edges, "line 3: graph \"m1\" appears twice"),
            ("graph,kind\nm1,ring\nm2,\n", Self.nodes, Self.edges, "line 3: graph \"m2\" has no label"),
            (Self.graphs, Self.nodes + "m9,z,1\n", Self.edges, "unknown graph \"m9\""),
            (Self.graphs, Self.nodes + "m1,a,7\n", Self.edges, "node \"a\" appears twice in graph \"m1\""),
            (Self.graphs, Self.nodes.replacingOccurrences(of: "m2,y,5", with: "m2,y,five"), Self.edges, "feature \"f\" of node \"y\""),
            (Self.graphs, Self.nodes.replacingOccurrences(of: "m3,p,6\n", with: ""), Self.edges, "graph \"m3\" has no nodes"),
            (Self.graphs, Self.nodes, Self.edges + "m2,x,p,1\n", "unknown node \"p\" in graph \"m2\""),
            (Self.graphs, "graph,id\nm1,a\n", Self.edges, "no feature columns"),
            (Self.graphs, Self.nodes, "graph,from,to\nm1,a,b\n", "no column named \"source\""),
            ("graph,kind\nm1,ring\nm2,ring\n", Self.nodes, Self.edges, "a classifier needs two classes"),
        ]
        for (graphs, nodes, edges, message) in cases {
            let (dir, urls) = try Self.write(graphs, nodes, edges)
            defer { try? FileManager.default.removeItem(at: dir) }
            do {
                _ = try GraphCollectionCSV.read(graphs: urls[0], nodes: urls[1], edges: urls[2], labelColumn: "kind", name: "toy")
                Issue.record("accepted: \(message)")
            } catch {
                #expect(error.description.contains(message), "\(error.description) does not say \(message)")
            }
        }
        let (dir, urls) = try Self.write(Self.graphs, Self.nodes, Self.edges)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: DataError.self) {
            try GraphCollectionCSV.read(graphs: urls[0], nodes: urls[1], edges: urls[2], labelColumn: "kind", classNames: ["ring", "star"], name: "toy")
        }
    }

    /// Batching is exact: each graph's logits in a batch of three are its logits alone, for every
    /// layer kind (a graph's nodes never see another graph's).
    @Test func aBatchGivesEachGraphItsLogitsAlone() throws {
        let g = RandomGenerator(seed: 4)
        let graphs = [
            LabelledGraph(name: "a", features: Tensor.randn([4, 3], generator: g), edges: .undirected([(0, 1), (1, 2), (2, 3)], nodeCount: 4), label: 0),
            LabelledGraph(name: "b", features: Tensor.randn([1, 3], generator: g), edges: EdgeIndex(sources: [], targets: [], nodeCount: 1), label: 1),
            LabelledGraph(name: "c", features: Tensor.randn([3, 3], generator: g), edges: .undirected([(0, 1), (0, 2), (1, 2)], nodeCount: 3), label: 1),
        ]
        let batch = GraphBatch(graphs)
        #expect(batch.features.shape == [8, 3] && batch.batch == [0, 0, 0, 0, 1, 2, 2, 2] && batch.labels.scalars == [0, 1, 1])
        #expect(batch.edges.sources.filter { $0 >= 5 }.count == 6 && batch.edges.nodeCount == 8)
        for kind in GraphConvolutionKind.allCases {
            for pooling in GraphPooling.allCases {
                let model = GraphClassifier(kind: kind, inputSize: 3, hidden: 4, classes: 2, heads: 2, pooling: pooling,
                                            generator: RandomGenerator(seed: 5))
                model.eval()
                let together = model(batch.features, edges: batch.edges, batch: batch.batch, graphCount: 3)
                #expect(together.shape == [3, 2])
                for (i, graph) in graphs.enumerated() {
                    let alone = model(graph.features, edges: graph.edges, batch: Array(repeating: 0, count: graph.nodeCount), graphCount: 1)
                    expectClose(together.indexSelect(dim: 0, index: IntTensor([i])), alone, rtol: 1e-5, atol: 1e-6, "\(kind) \(pooling) graph \(i)")
                }
            }
        }
        let set = GraphSet(GraphCollection(name: "t", graphs: graphs, classNames: ["x", "y"], featureNames: ["f1", "f2", "f3"]))
        #expect(set.batch([2, 0]).batch == [0, 0, 0, 1, 1, 1, 1])
    }
}

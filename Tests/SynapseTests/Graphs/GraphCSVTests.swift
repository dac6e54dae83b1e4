import Foundation
import Testing
@testable import Synapse

/// `GraphCSV`: a node-labelled graph from two CSV files, every fault a `DataError` naming the file
/// and line; features from the extra node columns, or one-hot identities.
@Suite struct GraphCSVTests {
    static func write(_ nodes: String, _ edges: String) throws -> (URL, URL, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graphcsv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let n = dir.appendingPathComponent("nodes.csv"), e = dir.appendingPathComponent("edges.csv")
        try nodes.write(to: n, atomically: true, encoding: .utf8)
        try edges.write(to: e, atomically: true, encoding: .utf8)
        return (dir, n, e)
    }

    @Test func readsFeaturesLabelsAndBothDirections() throws {
        let (dir, n, e) = try Self.write("id,label,f1,f2\na,x,1,2\nb,y,3,4\nc,x,5,6\n", "source,target,weight\na,b,2\nb,c,0.5\nc,c,1\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let g = try GraphCSV.read(nodes: n, edges: e, labelColumn: "label", name: "toy")
        #expect(g.nodeCount == 3 && g.classNames == ["x", "y"] && g.labels == [0, 1, 0] && g.featureNames == ["f1", "f2"])
        #expect(g.features.shape == [3, 2] && g.features.scalars == [1, 2, 3, 4, 5, 6])
        #expect(g.edges.sources == [0, 1, 1, 2, 2] && g.edges.targets == [1, 0, 2, 1, 2] && g.edgeWeights == [2, 2, 0.5, 0.5, 1])
        let identity = try GraphCSV.read(nodes: try Self.write("id,label\na,x\nb,y\n", "source,target\na,b\n").1,
                                         edges: try Self.write("id,label\na,x\nb,y\n", "source,target\na,b\n").2, labelColumn: "label", name: "t")
        #expect(identity.features.scalars == [1, 0, 0, 1] && identity.edgeWeights == nil)
    }

    /// Citation exports list some edges both ways (Cora's 5,429 citations are 5,278 edges): an
    /// undirected graph keeps one edge per pair, adding the weights, as PyG's `to_undirected`.
    @Test func undirectedDuplicatesAreOneEdgeWithSummedWeights() throws {
        let (dir, n, e) = try Self.write("id,label\na,x\nb,y\nc,x\n", "source,target,weight\na,b,2\nb,a,0.5\nb,c,1\nb,c,1\nc,c,1\nc,c,2\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let g = try GraphCSV.read(nodes: n, edges: e, labelColumn: "label", name: "toy")
        #expect(g.edges.sources == [0, 1, 1, 2, 2] && g.edges.targets == [1, 0, 2, 1, 2] && g.edgeWeights == [2.5, 2.5, 2, 2, 3])
        // A directed graph keeps what the file lists.
        let directed = try GraphCSV.read(nodes: n, edges: e, labelColumn: "label", undirected: false, name: "toy")
        #expect(directed.edges.count == 6)
    }

    @Test func faultsAreNamedWithTheirLine() throws {
        let cases: [(String, String, String)] = [
            ("id,label\na,x\nb,y\n", "source,target\na,z\n", "line 2: unknown node \"z\""),
            ("id,label\na,x\na,y\n", "source,target\na,a\n", "line 3: node id \"a\" appears twice"),
            ("id,label\na,x\nb,\n", "source,target\na,b\n", "line 3: node \"b\" has no label"),
            ("id,label,f\na,x,1\nb,y,oops\n", "source,target\na,b\n", "feature \"f\" of node \"b\" is \"oops\""),
            ("id,label\na,x\nb,y\n", "source,target,weight\na,b,-1\n", "edge weight \"-1\""),
            ("id,label\na,x\nb,y\n", "from,to\na,b\n", "needs columns \"source\" and \"target\""),
            ("name,label\na,x\n", "source,target\n", "no column named \"id\""),
            ("id,club\na,x\n", "source,target\n", "no label column \"label\""),
            ("id,label\na,x\nb,x\n", "source,target\na,b\n", "a classifier needs two classes"),
        ]
        for (nodes, edges, message) in cases {
            let (dir, n, e) = try Self.write(nodes, edges)
            defer { try? FileManager.default.removeItem(at: dir) }
            do {
                _ = try GraphCSV.read(nodes: n, edges: e, labelColumn: "label", name: "t")
                Issue.record("accepted: \(message)")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }

    @Test(.enabled(if: KarateClub.isInstalled, "needs scripts/prepare-graphs.sh"))
    func karateClubIsZacharys() throws {
        let g = try KarateClub.load()
        #expect(g.nodeCount == 34 && g.edges.count == 156 && g.classNames == ["Mr. Hi", "Officer"])
        #expect(g.labels[0] == 0 && g.labels[33] == 1 && g.labels.filter { $0 == 0 }.count == 17)
        #expect(g.trainNodes == [0, 33] && g.testNodes.count == 32 && g.features.shape == [34, 34])
    }
}

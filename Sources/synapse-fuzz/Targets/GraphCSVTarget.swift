import Foundation
import Synapse

/// Graphs read from node and edge CSV files (`GraphCSV`, behind `KarateClub.load()`), then run
/// through a graph convolution.
///
/// Seeds are the karate club's `nodes.csv` and `edges.csv` as `scripts/prepare-graphs.sh` writes
/// them; each mutant replaces one of the two files, the other staying as it was.
///
/// Accepted corruption: a changed id, label or weight may be a legitimately different graph, so a
/// mutant may be accepted, but only as a sane one: one label per node within the class names, every
/// edge between existing nodes with a positive finite weight, finite features, and a `GCNConv`
/// forward pass over it that stays finite.
struct GraphCSVTarget: FuzzTarget {
    let name = "graph-csv"

    func seeds() throws -> [[UInt8]] {
        guard let dir = KarateClub.searchDirectories.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("edges.csv").path)
        }) else { throw DataError.datasetNotInstalled(name: "karate club", searched: KarateClub.searchDirectories.map(\.path),
                                                      missing: "nodes.csv and edges.csv", install: KarateClub.installCommand) }
        return try ["nodes.csv", "edges.csv"].map { Array(try Data(contentsOf: dir.appendingPathComponent($0))) }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let seeds = try? seeds() else { return .rejected }
        let mutatesNodes = original == seeds[0]
        guard let nodes = FuzzScratchFile.write(mutatesNodes ? mutant : seeds[0], name: "nodes.csv"),
              let edges = FuzzScratchFile.write(mutatesNodes ? seeds[1] : mutant, name: "edges.csv") else { return .rejected }
        let graph: NodeClassificationGraph
        do { graph = try GraphCSV.read(nodes: nodes, edges: edges, labelColumn: "club", name: "fuzz") } catch { return .rejected }
        let n = graph.nodeCount
        guard graph.labels.count == n, graph.nodeNames.count == n, graph.features.shape[0] == n else {
            return .corruptionAccepted("\(n) nodes but \(graph.labels.count) labels and \(graph.features.shape[0]) feature rows")
        }
        guard graph.labels.allSatisfy({ graph.classNames.indices.contains($0) }) else { return .corruptionAccepted("a label outside the classes") }
        guard graph.features.scalars.allSatisfy(\.isFinite) else { return .corruptionAccepted("a non-finite feature") }
        if let weights = graph.edgeWeights, weights.count != graph.edges.count || !weights.allSatisfy({ $0.isFinite && $0 > 0 }) {
            return .corruptionAccepted("edge weights that are not one positive finite number per edge")
        }
        let layer = GCNConv(graph.features.shape[1], 2, generator: RandomGenerator(seed: 0))
        let y = withoutGradients { layer(graph.features, edges: graph.edges, edgeWeights: graph.edgeWeights) }
        guard y.shape == [n, 2], y.scalars.allSatisfy(\.isFinite) else { return .corruptionAccepted("a graph convolution gave non-finite values") }
        return .accepted
    }
}

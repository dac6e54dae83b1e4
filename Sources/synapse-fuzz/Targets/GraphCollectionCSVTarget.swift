import Foundation
import Synapse

/// Collections of small graphs read from graph, node and edge CSV files (`GraphCollectionCSV`,
/// behind `MoleculeSolubility.load()`), then batched and run through a graph classifier.
///
/// Seeds are the first 6 test molecules of the solubility set as `scripts/prepare-graphs.sh`
/// writes them (their rows of `graphs.csv`, `nodes.csv` and `edges.csv`); each mutant replaces one
/// of the three files, the others staying as they were.
///
/// Accepted corruption: a changed id, label or feature may be a legitimately different collection,
/// so a mutant may be accepted, but only as a sane one: every label within the classes, features of
/// the same width for every graph and finite, every edge between nodes of its graph, and a
/// `GraphClassifier` forward pass over the batch that stays finite, one row per graph (when the
/// features are within ±1e6).
struct GraphCollectionCSVTarget: FuzzTarget {
    let name = "graph-collection-csv"
    static let files = ["graphs.csv", "nodes.csv", "edges.csv"]

    /// The seeds, read once (`check` compares each mutant's original against them).
    private static let cached = Result { try makeSeeds() }

    func seeds() throws -> [[UInt8]] { try Self.cached.get() }

    private static func makeSeeds() throws -> [[UInt8]] {
        guard let dir = MoleculeSolubility.searchDirectories.map({ $0.appendingPathComponent("test") }).first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("edges.csv").path)
        }) else { throw DataError.datasetNotInstalled(name: "the solubility molecules", searched: MoleculeSolubility.searchDirectories.map(\.path),
                                                      missing: "test/graphs.csv, nodes.csv and edges.csv", install: MoleculeSolubility.installCommand) }
        let texts = try files.map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
        // Python's csv module ends lines with CRLF, one Character in Swift: split on line breaks, not "\n".
        let graphLines = texts[0].split(whereSeparator: \.isNewline)
        let kept = Set(graphLines.dropFirst().prefix(6).map { String($0.split(separator: ",").first ?? "") })
        return texts.map { text in
            let lines = text.split(whereSeparator: \.isNewline)
            let rows = lines.dropFirst().filter { kept.contains(String($0.split(separator: ",").first ?? "")) }
            return Array(([lines[0]] + rows).joined(separator: "\n").utf8) + [UInt8(ascii: "\n")]
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let seeds = try? seeds(), let replaced = seeds.firstIndex(of: original) else { return .rejected }
        var urls: [URL] = []
        for (i, file) in Self.files.enumerated() {
            guard let url = FuzzScratchFile.write(i == replaced ? mutant : seeds[i], name: file) else { return .rejected }
            urls.append(url)
        }
        let collection: GraphCollection
        do {
            collection = try GraphCollectionCSV.read(graphs: urls[0], nodes: urls[1], edges: urls[2], labelColumn: "solubility",
                                                     classNames: MoleculeSolubility.classNames, name: "fuzz")
        } catch { return .rejected }
        let width = collection.featureNames.count
        for graph in collection.graphs {
            guard collection.classNames.indices.contains(graph.label) else { return .corruptionAccepted("a label outside the classes") }
            guard graph.features.shape == [graph.nodeCount, width], graph.nodeCount > 0 else {
                return .corruptionAccepted("graph \(graph.name): features \(graph.features.shape) for \(graph.nodeCount) nodes of width \(width)")
            }
            guard graph.features.scalars.allSatisfy(\.isFinite) else { return .corruptionAccepted("a non-finite feature") }
            guard (graph.edges.sources + graph.edges.targets).allSatisfy({ (0..<graph.nodeCount).contains($0) }) else {
                return .corruptionAccepted("an edge outside its graph")
            }
        }
        guard !collection.graphs.isEmpty else { return .corruptionAccepted("an empty collection") }
        // A mutated digit may make a legitimately huge feature (1e30 atoms' degree), which overflows any
        // network: the forward check runs on the collections a network could take.
        guard collection.graphs.allSatisfy({ $0.features.scalars.allSatisfy { abs($0) < 1e6 } }) else { return .accepted }
        let batch = GraphBatch(collection.graphs)
        let model = GraphClassifier(kind: .gcn, inputSize: width, hidden: 4, classes: collection.classNames.count, generator: RandomGenerator(seed: 0))
        model.eval()
        let y = withoutGradients { model(batch.features, edges: batch.edges, batch: batch.batch, graphCount: batch.graphCount) }
        guard y.shape == [collection.count, collection.classNames.count], y.scalars.allSatisfy(\.isFinite) else {
            return .corruptionAccepted("a graph classifier gave non-finite values or the wrong shape \(y.shape)")
        }
        return .accepted
    }
}

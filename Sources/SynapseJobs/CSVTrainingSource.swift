import Foundation
import SynapseCore
import SynapseData

/// A user's CSV file as the data of a tabular training run (`synapse train --csv FILE --label
/// COLUMN`): which column is learnt, as what task, and how the other columns are typed.
///
/// Detection, each overridable: the task is classification when some label is not a number, or
/// when every label is a whole number and there are at most `maxDetectedClasses` distinct ones
/// (and at most half as many as rows); regression otherwise. A feature column is numeric when
/// every present value is a number, categorical otherwise.
public struct CSVTrainingSource: Sendable, Equatable {
    /// The CSV file (comma-separated, with a header; gzip-compressed files are read too).
    public var file: URL
    /// The column learnt.
    public var label: String
    /// Classification or regression; nil: detected from the label column.
    public var task: TabularBenchmark.Task?
    /// Columns read as categories even when they hold numbers (one-hot encoded).
    public var categorical: [String]
    /// Columns read as numbers (a cell that is not a number is then an error naming it).
    public var numeric: [String]

    /// Most distinct whole-number labels detected as classes.
    public static let maxDetectedClasses = 20

    /// The source reading `file` and learning `label`.
    public init(file: URL, label: String, task: TabularBenchmark.Task? = nil, categorical: [String] = [], numeric: [String] = []) {
        self.file = file
        self.label = label
        self.task = task
        self.categorical = categorical
        self.numeric = numeric
    }

    /// The dataset's name in messages, metadata and run directories: the file name without its
    /// extensions (`wine` for `wine.csv.gz`).
    public var name: String {
        var name = file.lastPathComponent
        for suffix in [".gz", ".csv", ".tsv", ".txt"] where name.lowercased().hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
        return name.isEmpty ? "csv" : name
    }

    /// Reads and types the table.
    /// - Throws: `DataError` naming the file: not found, malformed CSV, no label column (listing the
    ///   columns), a column named twice in the overrides, a cell that is not a number in a numeric
    ///   column, no rows, a label with a single class (or a constant regression target).
    ///   `PipelineError.invalidOption` for a forecasting task.
    public func load() throws -> (data: TabularDataset, task: TabularBenchmark.Task) {
        if task == .forecasting {
            throw PipelineError.invalidOption(name: "task", reason: "a CSV file trains classification or regression, not forecasting")
        }
        let path = file.path
        if let both = Set(categorical).intersection(numeric).sorted().first {
            throw PipelineError.invalidOption(name: "categorical", reason: "column \"\(both)\" is also given to --numeric")
        }
        let table = try CSVReader.read(file)
        let labelIndex = try table.columnIndex(label)
        for column in categorical + numeric where column == label {
            throw PipelineError.invalidOption(name: "categorical", reason: "\"\(column)\" is the label column, not a feature")
        }
        guard table.count > 0 else { throw DataError.tabular(.emptyFile(path: path, reason: "the file has a header but no rows")) }
        let markers = TabularOptions.defaultMissingMarkers
        let labels = table.rows.map { $0[labelIndex].trimmingCharacters(in: .whitespaces) }.filter { !markers.contains($0) }
        let task = self.task ?? Self.detectTask(labels)
        var kinds: [String: ColumnKind] = [:]
        for column in categorical { kinds[column] = .categorical }
        for column in numeric { kinds[column] = .numeric }
        let data = try TabularDataset(table: table, options: TabularOptions(
            label: label, task: task == .classification ? .classification() : .regression, columnKinds: kinds))
        if task == .classification, let names = data.classNames, names.count < 2 {
            throw DataError.invalidContents(path: path, reason: "label column \"\(label)\" holds a single class (\(names.first ?? "none")): "
                                            + "a classifier needs at least two")
        }
        if task == .regression, let values = data.targetValues, Set(values).count < 2 {
            throw DataError.invalidContents(path: path, reason: "label column \"\(label)\" holds a single value: nothing to regress")
        }
        guard !data.columns.isEmpty else {
            throw DataError.invalidContents(path: path, reason: "no feature columns besides the label \"\(label)\"")
        }
        return (data, task)
    }

    /// Classification when a label is not a number, or every label is a whole number and there are
    /// few distinct ones; regression otherwise.
    static func detectTask(_ labels: [String]) -> TabularBenchmark.Task {
        let numbers = labels.compactMap(Double.init)
        guard numbers.count == labels.count else { return .classification }
        let distinct = Set(numbers)
        let whole = numbers.allSatisfy { $0 == $0.rounded() }
        return whole && distinct.count <= maxDetectedClasses && distinct.count * 2 <= labels.count ? .classification : .regression
    }
}

extension TabularExperimentData {
    /// Prepares a user's CSV file as `TabularTrainingJob` prepares the built-in tables: split
    /// (stratified for classification, random for regression), leakage-checked, preprocessing
    /// fitted on the training split.
    /// - Throws: as `CSVTrainingSource.load()`, `SplitError`, `PipelineError`.
    public init(csv source: CSVTrainingSource, seed: UInt64, validation: Double, test: Double,
                saved: PipelinePreprocessing? = nil, splitOverride: SplitIndices? = nil) throws {
        let (data, task) = try source.load()
        try self.init(table: data, benchmark: nil, name: source.name, task: task, seed: seed, validation: validation, test: test,
                      saved: saved, splitOverride: splitOverride)
    }
}

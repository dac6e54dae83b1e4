import Foundation
import SynapseCore

/// A table of examples read from a CSV file: typed feature columns (numeric or categorical, with
/// missing entries), a label converted for classification or regression, and the non-feature
/// columns kept as metadata for group- and time-based splits.
///
/// The raw values stay as read; `TabularPreprocessor` turns them into a feature tensor with
/// statistics fitted on the training split only:
///
/// ```swift
/// let data = try TabularDataset.load(URL(fileURLWithPath: "patients.csv"),
///                                    options: TabularOptions(label: "outcome", task: .classification()))
/// let split = try Splitter.stratified(labels: data.classIndices!, validation: 0.15, test: 0.15, seed: 0)
/// var prep = TabularPreprocessor()
/// try prep.fit(data.subset(split.train))
/// let train = try prep.classificationDataset(data.subset(split.train))   // a TensorDataset
/// ```
public struct TabularDataset: Sendable, Equatable {
    /// The file the table came from, for error messages.
    public let path: String
    /// Feature columns, in file order.
    public private(set) var columns: [TabularColumn]
    /// Name of the label column.
    public let labelName: String
    /// The label of every row.
    public private(set) var target: TabularTarget
    /// Ignored (non-feature) columns by name, as strings.
    public private(set) var metadata: [String: [String]]
    /// The line of the file each row came from.
    public private(set) var lineNumbers: [Int]

    /// A dataset from columns already in memory.
    /// - Precondition: every column, the target and every metadata column have the same length.
    public init(columns: [TabularColumn], labelName: String, target: TabularTarget, metadata: [String: [String]] = [:],
                lineNumbers: [Int]? = nil, path: String = "<memory>") {
        let n = target.count
        for column in columns {
            require(column.count == n, "TabularDataset: column \"\(column.name)\" has \(column.count) rows, the target \(n)")
        }
        for (name, values) in metadata {
            require(values.count == n, "TabularDataset: metadata column \"\(name)\" has \(values.count) rows, the target \(n)")
        }
        self.path = path
        self.columns = columns
        self.labelName = labelName
        self.target = target
        self.metadata = metadata
        self.lineNumbers = lineNumbers ?? (0..<n).map { $0 + 2 }
    }

    /// Reads the CSV file at `url` (plain or gzip) and interprets it with `options`.
    public static func load(_ url: URL, format: CSVFormat = .csv, options: TabularOptions) throws(DataError) -> TabularDataset {
        try TabularDataset(table: CSVReader.read(url, format: format), options: options)
    }

    /// Number of rows.
    public var count: Int { target.count }

    /// Names of the feature columns, in order.
    public var featureNames: [String] { columns.map(\.name) }

    /// The class list of a classification dataset (nil for regression).
    public var classNames: [String]? {
        if case .classes(_, let names) = target { return names }
        return nil
    }

    /// The class index of every row of a classification dataset (nil for regression); what
    /// `Splitter.stratified` takes.
    public var classIndices: [Int]? {
        if case .classes(let indices, _) = target { return indices }
        return nil
    }

    /// The target of every row of a regression dataset (nil for classification).
    public var targetValues: [Double]? {
        if case .values(let values) = target { return values }
        return nil
    }

    /// The feature column called `name`.
    public func column(named name: String) throws(DataError) -> TabularColumn {
        guard let column = columns.first(where: { $0.name == name }) else {
            throw .tabular(.missingColumn(path: path, name: name, available: featureNames))
        }
        return column
    }

    /// The ignored column called `name` (for example a group or time key).
    public func metadataColumn(named name: String) throws(DataError) -> [String] {
        guard let values = metadata[name] else {
            throw .tabular(.missingColumn(path: path, name: name, available: metadata.keys.sorted()))
        }
        return values
    }

    /// The rows at `indices`, in that order (class lists are kept whole, so indices stay comparable
    /// across splits).
    public func subset(_ indices: [Int]) -> TabularDataset {
        for i in indices { require(i >= 0 && i < count, "TabularDataset.subset: index \(i) out of range 0..<\(count)") }
        var copy = self
        copy.columns = columns.map { $0.subset(indices) }
        copy.target = target.subset(indices)
        copy.metadata = metadata.mapValues { values in indices.map { values[$0] } }
        copy.lineNumbers = indices.map { lineNumbers[$0] }
        return copy
    }

    /// The dataset with its class list renamed (same order), e.g. to give numeric labels the names
    /// of the classes they stand for.
    public func renamingClasses(_ names: [String]) -> TabularDataset {
        guard case .classes(let indices, let old) = target else {
            requireFailure("TabularDataset.renamingClasses: \"\(labelName)\" is a regression target")
        }
        require(names.count == old.count, "TabularDataset.renamingClasses: \(names.count) names for \(old.count) classes")
        var copy = self
        copy.target = .classes(indices: indices, names: names)
        return copy
    }

    /// A 64-bit fingerprint of each row's features (not its label), for `LeakageReport`: equal rows
    /// have equal fingerprints; different rows collide with probability about 2^-64.
    public func rowFingerprints() -> [UInt64] {
        (0..<count).map { row in
            var hash = Fingerprint()
            for column in columns {
                switch column.values {
                case .numeric(let values): hash.combine(values[row])
                case .categorical(let values): hash.combine(values[row])
                }
            }
            return hash.value
        }
    }
}

import SynapseCore

/// What to do with missing entries (fields equal to one of `TabularOptions.missingMarkers`).
public enum MissingValuePolicy: String, Codable, Sendable {
    /// Throw `TabularError.missingValue` naming the line and column (the default: missing data
    /// should be a decision, not a surprise).
    case error
    /// Leave out every row with a missing feature or label.
    case dropRow
    /// Keep missing features; `TabularPreprocessor` fills them with a statistic of the training
    /// split (mean or median, most frequent category). Rows with a missing label are still an error.
    case impute
}

/// How `TabularDataset` interprets a table.
public struct TabularOptions: Sendable, Equatable {
    /// Name of the label column.
    public var label: String
    /// Classification (class indices) or regression (float target).
    public var task: TabularTask
    /// Column kinds declared by name; the other columns are inferred (numeric when every present
    /// value parses as a number, else categorical).
    public var columnKinds: [String: ColumnKind]
    /// Columns that are not features (identifiers, group keys, timestamps). They are kept as
    /// strings in `TabularDataset.metadata` for group- and time-based splits.
    public var ignoredColumns: [String]
    /// Field values (after trimming surrounding spaces) that mean "missing".
    public var missingMarkers: Set<String>
    /// What to do with missing entries.
    public var missingValues: MissingValuePolicy
    /// Whether numeric features may be infinite; when false (the default) `inf` is an error.
    public var allowNonFinite: Bool

    /// The markers treated as missing by default: empty, `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`, `?`.
    public static let defaultMissingMarkers: Set<String> = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]

    /// Options for predicting the column `label`.
    public init(label: String, task: TabularTask, columnKinds: [String: ColumnKind] = [:], ignoredColumns: [String] = [],
                missingMarkers: Set<String> = defaultMissingMarkers, missingValues: MissingValuePolicy = .error,
                allowNonFinite: Bool = false) {
        self.label = label
        self.task = task
        self.columnKinds = columnKinds
        self.ignoredColumns = ignoredColumns
        self.missingMarkers = missingMarkers
        self.missingValues = missingValues
        self.allowNonFinite = allowNonFinite
    }
}

import SynapseCore

/// Whether a column holds numbers or category names.
public enum ColumnKind: String, Codable, Sendable, CaseIterable {
    /// Real numbers (integers included); missing entries are stored as NaN.
    case numeric
    /// Category names compared as strings (one-hot encoded by `TabularPreprocessor`); missing
    /// entries are stored as nil.
    case categorical
}

/// One feature column of a `TabularDataset`.
public struct TabularColumn: Sendable, Equatable {
    /// The column's values.
    public enum Values: Sendable, Equatable {
        /// Numbers; NaN marks a missing entry.
        case numeric([Double])
        /// Category names; nil marks a missing entry.
        case categorical([String?])
    }

    /// The header name.
    public var name: String
    /// The values, one per row.
    public var values: Values

    /// A column called `name` holding `values`.
    public init(name: String, values: Values) {
        self.name = name
        self.values = values
    }

    /// Whether the column is numeric or categorical.
    public var kind: ColumnKind {
        switch values {
        case .numeric: return .numeric
        case .categorical: return .categorical
        }
    }

    /// Number of rows.
    public var count: Int {
        switch values {
        case .numeric(let v): return v.count
        case .categorical(let v): return v.count
        }
    }

    /// Whether the entry in `row` is missing.
    public func isMissing(_ row: Int) -> Bool {
        switch values {
        case .numeric(let v): return v[row].isNaN
        case .categorical(let v): return v[row] == nil
        }
    }

    /// Number of missing entries.
    public var missingCount: Int { (0..<count).reduce(0) { $0 + (isMissing($1) ? 1 : 0) } }

    /// The numbers of a numeric column (nil for a categorical one).
    public var numbers: [Double]? {
        if case .numeric(let v) = values { return v }
        return nil
    }

    /// The category names of a categorical column (nil for a numeric one).
    public var categories: [String?]? {
        if case .categorical(let v) = values { return v }
        return nil
    }

    /// The column restricted to `rows`, in that order.
    public func subset(_ rows: [Int]) -> TabularColumn {
        switch values {
        case .numeric(let v): return TabularColumn(name: name, values: .numeric(rows.map { v[$0] }))
        case .categorical(let v): return TabularColumn(name: name, values: .categorical(rows.map { v[$0] }))
        }
    }
}

import SynapseCore

/// What the label column is predicted as.
public enum TabularTask: Sendable, Equatable {
    /// Class indices into a class list. With `classNames` the labels must be among them (in that
    /// order); without, the class list is the distinct labels sorted (numerically when every label
    /// is a number, else by string), so the same file always gives the same indices.
    case classification(classNames: [String]? = nil)
    /// A real-valued target.
    case regression
}

/// The label column of a `TabularDataset`, converted for its task.
public enum TabularTarget: Sendable, Equatable {
    /// Class index per row, and the class list the indices point into.
    case classes(indices: [Int], names: [String])
    /// Target value per row.
    case values([Double])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .classes(let indices, _): return indices.count
        case .values(let values): return values.count
        }
    }

    /// The target restricted to `rows`, in that order (the class list is kept whole).
    public func subset(_ rows: [Int]) -> TabularTarget {
        switch self {
        case .classes(let indices, let names): return .classes(indices: rows.map { indices[$0] }, names: names)
        case .values(let values): return .values(rows.map { values[$0] })
        }
    }
}

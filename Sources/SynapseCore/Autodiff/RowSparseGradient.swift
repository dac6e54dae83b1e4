/// The gradient of a table whose rows were only partly used (PyTorch's sparse COO gradient of
/// `nn.Embedding(sparse=True)`, coalesced): the touched row indices, each once, and their
/// gradient rows. Rows not listed have a zero gradient and are left alone by optimizers that read
/// this form (`SparseAdam`), which is what "sparse updates" means: a step costs what the batch
/// touched, not the size of the table, and untouched rows keep their moments unchanged.
public struct RowSparseGradient: Sendable, Equatable {
    /// Number of rows of the full table.
    public let tableRows: Int
    /// Width of a row.
    public let rowWidth: Int
    /// The touched rows, each once, in the order they were first touched.
    public private(set) var rows: [Int] = []
    /// The gradient rows, `rows.count × rowWidth`, row-major in the order of `rows`.
    public private(set) var values: [Float] = []
    /// Where each touched row sits in `rows`.
    private var slot: [Int: Int] = [:]

    /// An empty gradient for a [tableRows, rowWidth] table.
    public init(tableRows: Int, rowWidth: Int) {
        self.tableRows = tableRows
        self.rowWidth = rowWidth
    }

    /// Adds `gradient` (`indices.count × rowWidth`, row k for index k) into the rows `indices`;
    /// repeated indices accumulate, and `skipping` (a padding row) receives nothing.
    public mutating func accumulate(indices: [Int], gradient: UnsafeBufferPointer<Float>, skipping: Int? = nil) {
        let d = rowWidth
        precondition(gradient.count >= indices.count * d,
                     "RowSparseGradient: \(indices.count) rows of width \(d) need \(indices.count * d) values, got \(gradient.count)")
        if let bad = indices.first(where: { $0 < 0 || $0 >= tableRows }) {
            preconditionFailure("RowSparseGradient: row \(bad) is out of range for a table of \(tableRows) rows")
        }
        for (k, i) in indices.enumerated() where i != skipping {
            let s: Int
            if let existing = slot[i] {
                s = existing
            } else {
                s = rows.count
                slot[i] = s
                rows.append(i)
                values.append(contentsOf: repeatElement(0, count: d))
            }
            for j in 0..<d { values[s * d + j] += gradient[k * d + j] }
        }
    }

    /// Adds another gradient of the same table.
    public mutating func accumulate(_ other: RowSparseGradient) {
        precondition(other.tableRows == tableRows && other.rowWidth == rowWidth,
                     "RowSparseGradient: cannot add a [\(other.tableRows), \(other.rowWidth)] gradient to a [\(tableRows), \(rowWidth)] one")
        other.values.withUnsafeBufferPointer { accumulate(indices: other.rows, gradient: $0) }
    }

    /// The same gradient as a dense [tableRows, rowWidth] tensor (zeros where untouched).
    public func dense() -> Tensor {
        Tensor(shape: [tableRows, rowWidth]) { out in
            out.initialize(repeating: 0)
            for (s, i) in rows.enumerated() {
                for j in 0..<rowWidth { out[i * rowWidth + j] = values[s * rowWidth + j] }
            }
        }
    }

    /// Whether every value is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }

    /// Multiplies every value by `factor` (loss unscaling, gradient accumulation).
    public mutating func scale(by factor: Float) { mapValues { $0 * factor } }

    /// Replaces every value v by `transform(v)` (clipping).
    public mutating func mapValues(_ transform: (Float) -> Float) {
        for k in values.indices { values[k] = transform(values[k]) }
    }

    /// Equal when the same table receives the same rows and values.
    public static func == (a: RowSparseGradient, b: RowSparseGradient) -> Bool {
        a.tableRows == b.tableRows && a.rowWidth == b.rowWidth && a.rows == b.rows && a.values == b.values
    }
}

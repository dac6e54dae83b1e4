import SynapseCore

/// The records of a delimited text file as strings, with the line each record starts on (so later
/// stages can report errors at the right place).
public struct CSVTable: Sendable, Equatable {
    /// The file the table came from (`<memory>` for parsed strings), for error messages.
    public var path: String
    /// Column names, from the header or the format.
    public var header: [String]
    /// Data records; each has exactly `header.count` fields.
    public var rows: [[String]]
    /// The 1-based line on which each record of `rows` starts.
    public var lineNumbers: [Int]

    /// A table from parts. `rows` must all have `header.count` fields.
    public init(path: String = "<memory>", header: [String], rows: [[String]], lineNumbers: [Int]? = nil) {
        self.path = path
        self.header = header
        self.rows = rows
        self.lineNumbers = lineNumbers ?? rows.indices.map { $0 + 2 }
    }

    /// Number of data records.
    public var count: Int { rows.count }

    /// The position of the column called `name` in the header.
    /// - Throws: `TabularError.missingColumn` listing the columns that exist.
    public func columnIndex(_ name: String) throws(DataError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw .tabular(.missingColumn(path: path, name: name, available: header))
        }
        return index
    }

    /// All fields of the column called `name`, top to bottom.
    public func column(_ name: String) throws(DataError) -> [String] {
        let index = try columnIndex(name)
        return rows.map { $0[index] }
    }

    /// The table with another column appended (e.g. a target stored in a separate file).
    /// - Parameter source: names where `values` came from, for the error message.
    /// - Throws: `DataError.invalidContents` when `values` does not have one entry per record.
    public func appendingColumn(_ name: String, values: [String], source: String) throws(DataError) -> CSVTable {
        guard values.count == rows.count else {
            throw .invalidContents(path: source, reason: "holds \(values.count) values but \(path) has \(rows.count) rows")
        }
        if header.contains(name) { throw .tabular(.duplicateColumn(path: path, name: name)) }
        var copy = self
        copy.header.append(name)
        for i in copy.rows.indices { copy.rows[i].append(values[i]) }
        return copy
    }
}

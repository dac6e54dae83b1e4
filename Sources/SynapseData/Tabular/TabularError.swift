import SynapseCore

/// What is wrong with a CSV file or a table built from one. Every case names the file (or
/// `<memory>` for text parsed from a string) and, where one exists, the 1-based line and column, so
/// a user can open the file at the faulty cell.
///
/// These errors reach callers wrapped in `DataError.tabular`, so every data loader throws one type.
public enum TabularError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The bytes are not valid CSV at `line`:`column` (an unterminated quote, a stray quote inside
    /// an unquoted field, text after a closing quote, invalid UTF-8).
    case malformedCSV(path: String, line: Int, column: Int, reason: String)
    /// A record has a different number of fields than the header.
    case raggedRow(path: String, line: Int, expected: Int, found: Int)
    /// The file holds no header or no data rows.
    case emptyFile(path: String, reason: String)
    /// The header names the same column twice, so the column cannot be chosen by name.
    case duplicateColumn(path: String, name: String)
    /// A column asked for by name (the label, a declared type, an ignored column) is not in the
    /// header.
    case missingColumn(path: String, name: String, available: [String])
    /// A field of a numeric column is not a number.
    case invalidNumber(path: String, line: Int, column: String, value: String)
    /// A field holds infinity (or NaN where NaN is not a missing marker) and non-finite features
    /// are not allowed.
    case nonFiniteValue(path: String, line: Int, column: String, value: String)
    /// A field is missing (empty, `NA`, `NaN`, ...) and the missing-value policy is `.error`.
    case missingValue(path: String, line: Int, column: String)
    /// A category that the fitted preprocessing never saw in the training split, with the
    /// unknown-category policy `.error`.
    case unknownCategory(column: String, value: String, known: [String])
    /// A table does not have the columns or column kinds the fitted preprocessing expects.
    case schemaMismatch(reason: String)
    /// Saved preprocessing state is unreadable or inconsistent.
    case invalidState(path: String, reason: String)

    /// Human-readable explanation naming the file, line and column.
    public var description: String {
        switch self {
        case .malformedCSV(let path, let line, let column, let reason):
            return "\(path):\(line):\(column): malformed CSV: \(reason)"
        case .raggedRow(let path, let line, let expected, let found):
            return "\(path):\(line): ragged row: expected \(expected) fields like the header, found \(found)"
        case .emptyFile(let path, let reason):
            return "\(path): empty file: \(reason)"
        case .duplicateColumn(let path, let name):
            return "\(path): the header names column \"\(name)\" more than once"
        case .missingColumn(let path, let name, let available):
            return "\(path): no column named \"\(name)\"; available columns: "
                + available.map { "\"\($0)\"" }.joined(separator: ", ")
        case .invalidNumber(let path, let line, let column, let value):
            return "\(path):\(line): column \"\(column)\": \"\(value)\" is not a number"
        case .nonFiniteValue(let path, let line, let column, let value):
            return "\(path):\(line): column \"\(column)\": non-finite value \"\(value)\" in the features"
                + " (pass allowNonFinite: true to keep it)"
        case .missingValue(let path, let line, let column):
            return "\(path):\(line): column \"\(column)\": missing value"
                + " (choose the missing-value policy .dropRow or .impute to accept missing values)"
        case .unknownCategory(let column, let value, let known):
            return "column \"\(column)\": category \"\(value)\" was not in the training split (known: "
                + known.map { "\"\($0)\"" }.joined(separator: ", ") + ")"
        case .schemaMismatch(let reason):
            return "table does not match the fitted preprocessing: \(reason)"
        case .invalidState(let path, let reason):
            return "\(path): invalid preprocessing state: \(reason)"
        }
    }
}

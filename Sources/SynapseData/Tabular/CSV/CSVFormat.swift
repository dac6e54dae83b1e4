import SynapseCore

/// How a delimited text file is laid out: what separates fields and whether the first record names
/// the columns.
public struct CSVFormat: Sendable, Equatable {
    /// What separates the fields of a record.
    public enum Delimiter: Sendable, Equatable {
        /// One byte (`,` for CSV, `\t` for TSV, `;` for European spreadsheets). Fields may be
        /// quoted as RFC 4180 describes.
        case character(UInt8)
        /// Runs of spaces and tabs, leading and trailing ones ignored (the layout of many
        /// scientific data files such as scikit-learn's `diabetes_data_raw.csv.gz`). No quoting.
        case whitespace
    }

    /// What separates fields.
    public var delimiter: Delimiter
    /// Whether the first record is a header naming the columns.
    public var hasHeader: Bool
    /// Column names to use when the file has no header (default: `column1`, `column2`, ...).
    public var columnNames: [String]?

    /// A format with the given delimiter and header setting.
    public init(delimiter: Delimiter = .character(UInt8(ascii: ",")), hasHeader: Bool = true, columnNames: [String]? = nil) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.columnNames = columnNames
    }

    /// Comma-separated values with a header line (RFC 4180).
    public static let csv = CSVFormat()
    /// Tab-separated values with a header line.
    public static let tsv = CSVFormat(delimiter: .character(UInt8(ascii: "\t")))
}

import Foundation

/// A RecBole "atomic file" (`.inter`, `.user`, `.item`, …), the format RecBole ships its example
/// datasets in: UTF-8 text, one record per line, cells separated by tabs, and a first line naming
/// each column as `name:type`, where type is one of RecBole's feature types (`token`, `token_seq`,
/// `float`, `float_seq`):
///
///     user_id:token → item_id:token → rating:float → timestamp:float
///     196 → 242 → 3 → 881250949                            (→: a tab)
///
/// Reading is strict, because a silently misread line shifts or drops a user's ratings: a missing or
/// empty header, a header field that is not `name:type` or names an unknown type or a field twice, a
/// missing required field, a row whose column count differs from the header's, a blank line, invalid
/// UTF-8 and control characters are all `DataError.invalidContents` naming the file and the 1-based
/// line. Accepted: LF or CR LF line ends, a final line end, a UTF-8 byte-order mark. Cells are kept as
/// text, untrimmed; what they must hold is the dataset's business (`MovieLens100K`).
///
/// Named apart from SynapseIO's `AtomicFile` (atomic *writes*), which every layer above sees too.
public struct RecBoleAtomicFile: Sendable {
    /// RecBole's feature types (`recbole.utils.FeatureType`), the only ones a header may name.
    public static let fieldTypes: Set<String> = ["token", "token_seq", "float", "float_seq"]
    /// The largest file read, 256 MiB: MovieLens-100K's largest file is 2 MB, and every cell is held
    /// as a `String`, so a file this size already takes gigabytes; more is refused before reading.
    public static let maxBytes = 256 << 20

    /// The file's path, as error messages name it.
    public let path: String
    /// The header's field names, without their `:type`, in column order.
    public let fields: [String]
    /// Each field's type (`token`, `token_seq`, `float` or `float_seq`), parallel to `fields`.
    public let types: [String]
    /// The data rows, each with exactly `fields.count` cells, in file order.
    public let rows: [[String]]

    /// The column of field `name`, or nil when the header does not have it.
    public func column(_ name: String) -> Int? { fields.firstIndex(of: name) }

    /// The 1-based line of row `row` in the file: blank lines are refused, so rows follow the
    /// header (line 1) one per line.
    public static func lineNumber(ofRow row: Int) -> Int { row + 2 }

    /// Reads the atomic file at `url`, which must have every field in `requiredFields`.
    /// - Throws: `DataError.fileNotFound`, `.unreadable`, `.tooLarge` (over `maxBytes`, checked before
    ///   reading), or `.invalidContents` naming the line.
    public static func read(_ url: URL, requiredFields: [String]) throws(DataError) -> RecBoleAtomicFile {
        // The size first, so a huge file is refused without being read; a file that cannot be
        // inspected is left to `FileBytes`, whose error says why.
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue, size > maxBytes {
            throw .tooLarge(path: url.path, limit: maxBytes, reason: "the file holds \(size) bytes")
        }
        return try parse(FileBytes.read(url), path: url.path, requiredFields: requiredFields)
    }

    /// Parses the atomic file `data`; `path` names it in error messages.
    /// - Throws: `DataError.tooLarge` (over `maxBytes`) or `.invalidContents` naming the line.
    public static func parse(_ data: Data, path: String, requiredFields: [String]) throws(DataError) -> RecBoleAtomicFile {
        guard data.count <= maxBytes else { throw .tooLarge(path: path, limit: maxBytes, reason: "the data holds \(data.count) bytes") }
        return try parse([UInt8](data), path: path, requiredFields: requiredFields)
    }

    /// Parses the atomic file `bytes` (what `read` and the public `parse` share).
    static func parse(_ bytes: [UInt8], path: String, requiredFields: [String]) throws(DataError) -> RecBoleAtomicFile {
        guard bytes.count <= maxBytes else { throw .tooLarge(path: path, limit: maxBytes, reason: "the data holds \(bytes.count) bytes") }
        func invalid(_ line: Int, _ reason: String) -> DataError { .invalidContents(path: path, reason: "line \(line): \(reason)") }
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), tab = UInt8(ascii: "\t")
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        // One final line end is a terminator, not an empty last line.
        let end = bytes.count > start && bytes[bytes.count - 1] == newline ? bytes.count - 1 : bytes.count
        guard end > start else { throw invalid(1, "the file is empty: no header line") }

        var fields: [String] = [], types: [String] = [], rows: [[String]] = []
        var lineNumber = 0
        // Split at LF bytes, not Characters: Swift joins CR LF (and a tab with a following combining
        // mark) into one Character, which would hide a line end or a cell boundary.
        for rawLine in bytes[start..<end].split(separator: newline, omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == carriageReturn ? rawLine.dropLast() : rawLine
            guard !line.isEmpty else { throw invalid(lineNumber, lineNumber == 1 ? "empty header line" : "empty line") }
            var cells: [String] = []
            cells.reserveCapacity(fields.isEmpty ? 8 : fields.count)
            for (c, cellBytes) in line.split(separator: tab, omittingEmptySubsequences: false).enumerated() {
                guard let cell = String(validating: cellBytes, as: UTF8.self) else {
                    throw invalid(lineNumber, "column \(c + 1) is not valid UTF-8 text")
                }
                // The real files have none: a control character (a lone CR, NUL, a C1 control, a Unicode
                // line separator) means a damaged or merged line.
                if let control = cell.unicodeScalars.first(where: isControl) {
                    throw invalid(lineNumber, "column \(c + 1) holds the control character U+\(String(control.value, radix: 16, uppercase: true))")
                }
                cells.append(cell)
            }
            if lineNumber == 1 {
                (fields, types) = try header(cells, invalid: { invalid(1, $0) })
                for name in requiredFields where !fields.contains(name) {
                    throw invalid(1, "no field \"\(name)\" (fields: \(fields.joined(separator: ", ")))")
                }
            } else {
                guard cells.count == fields.count else {
                    throw invalid(lineNumber, "\(cells.count) columns where the header has \(fields.count) (\(fields.joined(separator: ", ")))")
                }
                rows.append(cells)
            }
        }
        return RecBoleAtomicFile(path: path, fields: fields, types: types, rows: rows)
    }

    /// The names and types of the header's `name:type` cells.
    private static func header(_ cells: [String], invalid: (String) -> DataError) throws(DataError) -> ([String], [String]) {
        var names: [String] = [], types: [String] = []
        for (c, cell) in cells.enumerated() {
            // RecBole splits each header cell at its one colon (`field, ftype = field_type.split(":")`).
            let parts = cell.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw invalid("header column \(c + 1) \"\(cell)\" is not name:type")
            }
            let (name, type) = (String(parts[0]), String(parts[1]))
            guard fieldTypes.contains(type) else {
                throw invalid("field \"\(name)\" has the unknown type \"\(type)\" (known: \(fieldTypes.sorted().joined(separator: ", ")))")
            }
            guard !names.contains(name) else { throw invalid("field \"\(name)\" appears twice") }
            names.append(name)
            types.append(type)
        }
        return (names, types)
    }

    /// C0 and C1 controls, DEL and the Unicode line and paragraph separators (tabs never reach here:
    /// they separate the cells).
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

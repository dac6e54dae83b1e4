import Foundation
import SynapseCore

/// Reads delimited text (RFC 4180 CSV and its tab-, semicolon- and whitespace-separated cousins)
/// into a `CSVTable`.
///
/// Accepted: a UTF-8 byte-order mark, `\n`, `\r\n` and lone `\r` line endings (mixed too), quoted
/// fields with doubled quotes and embedded delimiters or newlines, spaces around a quoted field
/// (`a, "b" ,c`), blank lines (skipped), gzip files (decompressed first). Rejected with the line and column of the fault: an unterminated
/// quote, a quote inside an unquoted field, text after a closing quote, invalid UTF-8, records
/// whose field count differs from the header's, and files without data rows. Parsing is strict on
/// purpose: a silently misread cell shifts every later column of its row.
public enum CSVReader {
    /// Reads and parses the file at `url` (gzip-compressed or plain).
    public static func read(_ url: URL, format: CSVFormat = .csv) throws(DataError) -> CSVTable {
        let raw = try FileBytes.read(url)
        let bytes = try Gzip.decompress(raw, path: url.path)
        return try parse(bytes, format: format, path: url.path)
    }

    /// Parses `text` (for tests and in-memory data).
    public static func parse(_ text: String, format: CSVFormat = .csv, path: String = "<memory>") throws(DataError) -> CSVTable {
        try parse(Array(text.utf8), format: format, path: path)
    }

    /// Parses UTF-8 `bytes`; `path` names them in error messages.
    public static func parse(_ bytes: [UInt8], format: CSVFormat = .csv, path: String = "<memory>") throws(DataError) -> CSVTable {
        var records: [[String]] = []
        var lines: [Int] = []
        switch format.delimiter {
        case .character(let delimiter):
            var scanner = Scanner(bytes: bytes, delimiter: delimiter, path: path)
            while let (record, line) = try scanner.nextRecord() {
                records.append(record)
                lines.append(line)
            }
        case .whitespace:
            try splitOnWhitespace(bytes, path: path, records: &records, lines: &lines)
        }
        return try assemble(records, lines: lines, format: format, path: path)
    }

    /// Separates the header from the data and checks that every record has the header's width.
    private static func assemble(_ records: [[String]], lines: [Int], format: CSVFormat, path: String) throws(DataError) -> CSVTable {
        guard let first = records.first else {
            throw .tabular(.emptyFile(path: path, reason: "no records (the file is empty or holds only blank lines)"))
        }
        let header: [String]
        var start = 0
        if format.hasHeader {
            header = first.map { $0.trimmingCharacters(in: .whitespaces) }
            start = 1
        } else if let names = format.columnNames {
            header = names
        } else {
            header = (1...first.count).map { "column\($0)" }
        }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw .tabular(.duplicateColumn(path: path, name: name))
        }
        guard records.count > start else {
            throw .tabular(.emptyFile(path: path, reason: "a header line but no data rows"))
        }
        for i in start..<records.count where records[i].count != header.count {
            throw .tabular(.raggedRow(path: path, line: lines[i], expected: header.count, found: records[i].count))
        }
        return CSVTable(path: path, header: header, rows: Array(records[start...]), lineNumbers: Array(lines[start...]))
    }

    /// The records of a whitespace-separated file: one per non-blank line.
    private static func splitOnWhitespace(_ bytes: [UInt8], path: String, records: inout [[String]], lines: inout [Int]) throws(DataError) {
        var i = bytes.starts(with: byteOrderMark) ? 3 : 0
        var line = 1
        let n = bytes.count
        while i < n {
            var fields: [String] = []
            var column = 1
            while i < n && bytes[i] != newline && bytes[i] != carriageReturn {
                if bytes[i] == space || bytes[i] == tab {
                    i += 1
                    column += 1
                    continue
                }
                let start = i, startColumn = column
                while i < n, bytes[i] != space, bytes[i] != tab, bytes[i] != newline, bytes[i] != carriageReturn {
                    if bytes[i] & 0xC0 != 0x80 { column += 1 }
                    i += 1
                }
                fields.append(try decode(bytes[start..<i], path: path, line: line, column: startColumn))
            }
            if !fields.isEmpty {
                records.append(fields)
                lines.append(line)
            }
            if i < n {
                if bytes[i] == carriageReturn && i + 1 < n && bytes[i + 1] == newline { i += 1 }
                i += 1
                line += 1
            }
        }
    }

    /// A field's bytes as a string; invalid UTF-8 is an error at the field's position.
    fileprivate static func decode(_ field: ArraySlice<UInt8>, path: String, line: Int, column: Int) throws(DataError) -> String {
        guard let text = String(validating: field, as: UTF8.self) else {
            throw .tabular(.malformedCSV(path: path, line: line, column: column, reason: "field is not valid UTF-8 text"))
        }
        return text
    }

    fileprivate static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")
}

/// The RFC 4180 state machine: walks the bytes once, tracking the line and (character) column for
/// error messages.
private struct Scanner {
    let bytes: [UInt8]
    let delimiter: UInt8
    let path: String
    var i = 0
    var line = 1
    var column = 1

    init(bytes: [UInt8], delimiter: UInt8, path: String) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.path = path
        if bytes.starts(with: CSVReader.byteOrderMark) { i = 3 }
    }

    /// Moves past one byte that is not a line break, counting UTF-8 continuation bytes as part of
    /// the previous character's column.
    private mutating func advance() {
        if bytes[i] & 0xC0 != 0x80 { column += 1 }
        i += 1
    }

    /// Moves past a line break (`\n`, `\r\n` or `\r`) at `i`, appending its bytes to `buffer` when
    /// given (line breaks inside quoted fields are data).
    private mutating func consumeLineBreak(into buffer: inout [UInt8]) {
        if bytes[i] == CSVReader.carriageReturn && i + 1 < bytes.count && bytes[i + 1] == CSVReader.newline {
            buffer.append(bytes[i])
            i += 1
        }
        buffer.append(bytes[i])
        i += 1
        line += 1
        column = 1
    }

    private func isLineBreak(_ b: UInt8) -> Bool { b == CSVReader.newline || b == CSVReader.carriageReturn }

    private func isBlank(_ b: UInt8) -> Bool { b == CSVReader.space || b == CSVReader.tab }

    private func malformed(_ reason: String, line: Int? = nil, column: Int? = nil) -> DataError {
        .tabular(.malformedCSV(path: path, line: line ?? self.line, column: column ?? self.column, reason: reason))
    }

    /// The next record and the line it starts on, or nil at the end; blank lines are skipped.
    mutating func nextRecord() throws(DataError) -> ([String], Int)? {
        let n = bytes.count
        while i < n {
            let recordLine = line
            var fields: [String] = []
            var sawQuote = false
            while true {
                let fieldLine = line, fieldColumn = column
                if i < n && bytes[i] == CSVReader.quote {
                    sawQuote = true
                    fields.append(try quotedField())
                } else {
                    let start = i
                    var quoted = false
                    while i < n, bytes[i] != delimiter, !isLineBreak(bytes[i]) {
                        if bytes[i] == CSVReader.quote {
                            // `a, "b"`: spaces before an opening quote are layout, not data.
                            guard bytes[start..<i].allSatisfy(isBlank) else {
                                throw malformed("quote character inside an unquoted field"
                                                + " (quote the whole field and double the inner quotes)")
                            }
                            sawQuote = true
                            quoted = true
                            fields.append(try quotedField())
                            break
                        }
                        advance()
                    }
                    if !quoted {
                        fields.append(try CSVReader.decode(bytes[start..<i], path: path, line: fieldLine, column: fieldColumn))
                    }
                }
                if i < n && bytes[i] == delimiter {
                    advance()
                    continue
                }
                break
            }
            if i < n {
                var discard: [UInt8] = []
                consumeLineBreak(into: &discard)
            }
            if fields.count == 1 && fields[0].isEmpty && !sawQuote { continue }  // a blank line
            return (fields, recordLine)
        }
        return nil
    }

    /// A quoted field starting at the opening quote at `i`.
    private mutating func quotedField() throws(DataError) -> String {
        let openLine = line, openColumn = column
        advance()
        var buffer: [UInt8] = []
        let n = bytes.count
        while true {
            guard i < n else {
                throw malformed("quoted field opened here is never closed", line: openLine, column: openColumn)
            }
            let b = bytes[i]
            if b == CSVReader.quote {
                if i + 1 < n && bytes[i + 1] == CSVReader.quote {
                    buffer.append(b)
                    advance()
                    advance()
                    continue
                }
                advance()
                break
            }
            if isLineBreak(b) {
                consumeLineBreak(into: &buffer)
            } else {
                buffer.append(b)
                advance()
            }
        }
        while i < n && isBlank(bytes[i]) && bytes[i] != delimiter { advance() }  // `"b" ,` likewise
        if i < n && bytes[i] != delimiter && !isLineBreak(bytes[i]) {
            throw malformed("unexpected text after the closing quote of a field (a field must be wholly quoted)")
        }
        return try CSVReader.decode(buffer[...], path: path, line: openLine, column: openColumn)
    }
}

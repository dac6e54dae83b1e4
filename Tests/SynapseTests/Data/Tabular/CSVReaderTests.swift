import Foundation
import Testing
@testable import Synapse
@testable import SynapseData

@Suite struct CSVReaderTests {
    @Test func readsQuotedFieldsBOMAndCRLF() throws {
        let url = try tabularFixture("good_bom_crlf.csv")
        let table = try CSVReader.read(url)
        #expect(table.header == ["age", "colour", "note, free text", "label"])
        #expect(table.rows.count == 3)
        #expect(table.rows[0] == ["34", "red", "said \"hi\"", "yes"])
        #expect(table.rows[1] == ["41", "blue", "two\r\nlines", "no"])
        #expect(table.rows[2] == ["29", "NA", "plain", "yes"])
        #expect(table.lineNumbers == [2, 3, 6])  // the quoted line break and the blank line count
    }

    @Test func acceptsEveryLineEndingAndNoFinalNewline() throws {
        for text in ["a,b\n1,2\n3,4", "a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4\r", "a,b\n1,2\r\n3,4\r"] {
            let table = try CSVReader.parse(text)
            #expect(table.header == ["a", "b"])
            #expect(table.rows == [["1", "2"], ["3", "4"]])
            #expect(table.lineNumbers == [2, 3])
        }
    }

    @Test func emptyFieldsAndOtherDelimiters() throws {
        #expect(try CSVReader.parse("a,b,c\n,,\n\"\",x,\n").rows == [["", "", ""], ["", "x", ""]])
        #expect(try CSVReader.parse("a;b\n1,5;2\n", format: CSVFormat(delimiter: .character(UInt8(ascii: ";")))).rows == [["1,5", "2"]])
        #expect(try CSVReader.parse("a\tb\n1\t2\n", format: .tsv).rows == [["1", "2"]])
        let spaced = try CSVReader.parse("  1  2.5\t3\n\n4 5 6  \n", format: CSVFormat(delimiter: .whitespace, hasHeader: false))
        #expect(spaced.header == ["column1", "column2", "column3"])
        #expect(spaced.rows == [["1", "2.5", "3"], ["4", "5", "6"]])
        #expect(spaced.lineNumbers == [1, 3])
    }

    @Test func spacesAroundQuotedFieldsAreLayout() throws {
        #expect(try CSVReader.parse("a,b,c\n1, \"x, y\" ,3\n").rows == [["1", "x, y", "3"]])
        #expect(try CSVReader.parse("a,b\n1, 2 \n").rows == [["1", " 2 "]])  // unquoted spaces are kept
    }

    @Test func readsGzip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("t.csv.gz")
        try Data(Gzip.compress(Array("x,label\n1,a\n".utf8))).write(to: url)
        #expect(try CSVReader.read(url).rows == [["1", "a"]])
    }

    @Test func malformedInputNamesFileLineAndColumn() throws {
        let cases: [(String, Int, Int, String)] = [
            ("unterminated_quote.csv", 3, 3, "never closed"),
            ("stray_quote.csv", 3, 4, "quote character inside an unquoted field"),
            ("text_after_quote.csv", 3, 6, "after the closing quote"),
        ]
        for (name, line, column, words) in cases {
            let url = try tabularFixture(name)
            let error = tabularError { () throws(DataError) in try CSVReader.read(url) }
            guard case .malformedCSV(let path, let l, let c, let reason)? = error else {
                Issue.record("\(name): expected malformedCSV, got \(String(describing: error))")
                continue
            }
            #expect(path == url.path && l == line && c == column, "\(name): \(error!)")
            #expect(reason.contains(words))
            #expect(error!.description.hasPrefix("\(url.path):\(line):\(column): malformed CSV"))
        }
    }

    @Test func invalidUTF8IsMalformed() {
        let error = tabularError { () throws(DataError) in try CSVReader.parse([0x61, 0x0A, 0x62, 0xFF, 0x0A], path: "bad.csv") }
        #expect(error == .malformedCSV(path: "bad.csv", line: 2, column: 1, reason: "field is not valid UTF-8 text"))
    }

    @Test func raggedRowsAreReportedWithTheirLine() throws {
        let url = try tabularFixture("ragged.csv")
        #expect(tabularError { () throws(DataError) in try CSVReader.read(url) } == .raggedRow(path: url.path, line: 3, expected: 3, found: 4))
    }

    @Test func emptyFilesAndDuplicateHeadersAreErrors() throws {
        for name in ["empty.csv", "header_only.csv"] {
            let url = try tabularFixture(name)
            guard case .emptyFile(let path, _)? = tabularError({ () throws(DataError) in try CSVReader.read(url) }) else {
                Issue.record("\(name) should be an empty-file error")
                continue
            }
            #expect(path == url.path)
        }
        #expect(tabularError { () throws(DataError) in try CSVReader.parse("\u{FEFF}\n\n") } != nil)
        #expect(tabularError { () throws(DataError) in try CSVReader.parse("a,b,a\n1,2,3\n", path: "d.csv") }
                == .duplicateColumn(path: "d.csv", name: "a"))
    }

    @Test func missingFileIsDataError() {
        #expect(dataError { () throws(DataError) in try CSVReader.read(URL(fileURLWithPath: "/nonexistent/x.csv")) }
                == .fileNotFound(path: "/nonexistent/x.csv"))
    }
}

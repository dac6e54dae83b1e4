import Foundation
import Testing
@testable import Synapse

/// `RecBoleAtomicFile` and `MovieLens100K` on the committed mini fixture (57 real ratings of 6 users
/// and 55 movies, cut from the files of recbole==1.2.1): dense indices in file order, genres, titles
/// and years as the files say, CR LF accepted, and every fault refused with its error case and line.
@Suite struct MovieLensReaderTests {
    /// The fixture directory.
    static func directory() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("movielens-mini")
    }

    /// The fixture's three files as text: interactions, users, items.
    static func texts() throws -> [String] {
        try MovieLens100K.fileNames.map { try String(contentsOf: directory().appendingPathComponent($0), encoding: .utf8) }
    }

    static func parse(_ files: [String]) throws(DataError) -> MovieLens100K {
        try MovieLens100K.parse(inter: Data(files[0].utf8), user: Data(files[1].utf8), item: Data(files[2].utf8))
    }

    /// `text` with its 1-based line `line` replaced by `replacement`.
    static func replacing(_ text: String, line: Int, with replacement: String) -> String {
        var lines = text.components(separatedBy: "\n")
        lines[line - 1] = replacement
        return lines.joined(separator: "\n")
    }

    /// The reason of an `invalidContents` error, or nil for any other outcome.
    static func invalidReason(_ error: DataError?) -> String? {
        if case .invalidContents(_, let reason)? = error { return reason }
        return nil
    }

    @Test func countsAndDenseIndicesFollowTheFiles() throws {
        let data = try MovieLens100K.load(from: Self.directory())
        #expect(data.interactions.count == 57 && data.userCount == 6 && data.itemCount == 55)
        #expect(data.userIDs == ["1", "2", "7", "166", "194", "862"])
        #expect(Array(data.itemIDs.prefix(5)) == ["13", "20", "32", "33", "50"] && data.itemIDs.last == "1412")
        // The first line, "166 346 1 886397596": user 166 is the 4th user, item 346 the 38th item.
        #expect(data.interactions[0] == Interaction(user: 3, item: 37, rating: 1, timestamp: 886_397_596))
        #expect(data.interactions.map(\.user).filter { $0 == 0 }.count == 10)
        #expect(data.userAges == [24, 53, 57, 47, 38, 25])
        #expect(data.genderNames == ["F", "M"] && data.userGenders == [1, 0, 1, 1, 1, 1])
        #expect(data.occupationNames == ["administrator", "educator", "executive", "other", "technician"])
        #expect(data.userOccupations == [4, 3, 0, 1, 0, 2])
        // Parsing the bytes gives what loading the directory gives.
        let parsed = try Self.parse(Self.texts())
        #expect(parsed.interactions == data.interactions && parsed.itemTitles == data.itemTitles)
    }

    @Test func titlesYearsAndGenres() throws {
        let data = try MovieLens100K.load(from: Self.directory())
        #expect(data.genreNames == ["Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
                                    "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western", "unknown"])
        func genres(_ item: Int) -> [String] { data.itemGenres[item].map { data.genreNames[$0] } }
        #expect(data.itemTitles[4] == "Star Wars" && data.itemYears[4] == 1977)
        #expect(genres(4) == ["Action", "Adventure", "Romance", "Sci-Fi", "War"])
        #expect(data.itemTitles[49] == "Misérables, Les" && data.itemYears[49] == 1995 && genres(49) == ["Drama", "Musical"])
        // RecBole's placeholders for unknown years: "unkonwn" (item 267) and "V" (item 1412).
        #expect(data.itemTitles[23] == "unkonwn" && data.itemYears[23] == nil && genres(23) == ["unknown"])
        #expect(data.itemYears[54] == nil && genres(54) == ["Animation", "Children's"])
        #expect(data.itemYears.compactMap { $0 }.count == 53)
        #expect(data.itemGenres.allSatisfy { !$0.isEmpty && $0 == $0.sorted() })
    }

    @Test func crlfNoFinalNewlineAndFloatTimestampsAreAccepted() throws {
        let files = try Self.texts()
        let plain = try Self.parse(files)
        let crlf = try Self.parse(files.map { $0.replacingOccurrences(of: "\n", with: "\r\n") })
        #expect(crlf.interactions == plain.interactions && crlf.itemTitles == plain.itemTitles && crlf.userIDs == plain.userIDs)
        let unterminated = try Self.parse(files.map { String($0.dropLast()) })
        #expect(unterminated.interactions == plain.interactions && unterminated.itemIDs == plain.itemIDs)
        // A float field may be written with a fraction of zeros; a year may be empty.
        var changed = files
        changed[0] = Self.replacing(files[0], line: 2, with: "166\t346\t1.0\t886397596.0")
        changed[2] = Self.replacing(files[2], line: 2, with: "13\tMighty Aphrodite\t\tComedy")
        let floats = try Self.parse(changed)
        #expect(floats.interactions == plain.interactions && floats.itemYears[0] == nil)
    }

    @Test func malformedFilesAreRefusedWithTheirLine() throws {
        let files = try Self.texts()
        // (file index, line, replacement, fragment of the reason)
        let cases: [(Int, Int, String, String)] = [
            (0, 1, "", "line 1: empty header line"),
            (0, 1, "user_id:token\titem_id:token\trating:int\ttimestamp:float", "line 1: field \"rating\" has the unknown type \"int\""),
            (0, 1, "user_id\titem_id:token\trating:float\ttimestamp:float", "line 1: header column 1 \"user_id\" is not name:type"),
            (0, 1, "user_id:token\titem_id:token\trating:float\trating:float", "line 1: field \"rating\" appears twice"),
            (0, 1, "user_id:token\titem_id:token\trating:float", "line 1: no field \"timestamp\""),
            (1, 1, "user_id:token\tgender:token\toccupation:token\tzip_code:token", "line 1: no field \"age\""),
            (0, 3, "194\t274\t2", "line 3: 3 columns where the header has 4"),
            (0, 3, "194\t274\t2\t879539794\t5", "line 3: 5 columns where the header has 4"),
            (0, 3, "", "line 3: empty line"),
            (0, 3, "194\t274\t2\t8795\u{1}39794", "line 3: column 4 holds the control character U+1"),
            (0, 3, "999\t274\t2\t879539794", "line 3: user \"999\" is not in ml-100k.user"),
            (0, 3, "194\t9999\t2\t879539794", "line 3: item \"9999\" is not in ml-100k.item"),
            (0, 3, "194 \t274\t2\t879539794", "line 3: user \"194 \" is not in ml-100k.user"),
            (0, 3, "194\t274\t0\t879539794", "line 3: rating \"0\""),
            (0, 3, "194\t274\t6\t879539794", "line 3: rating \"6\""),
            (0, 3, "194\t274\tnan\t879539794", "line 3: rating \"nan\""),
            (0, 3, "194\t274\tinf\t879539794", "line 3: rating \"inf\""),
            (0, 3, "194\t274\t3e0\t879539794", "line 3: rating \"3e0\""),
            (0, 3, "194\t274\t\t879539794", "line 3: rating \"\""),
            (0, 3, "194\t274\t2\t-1", "line 3: timestamp \"-1\""),
            (0, 3, "194\t274\t2\t879539794.5", "line 3: timestamp \"879539794.5\""),
            (0, 3, "194\t274\t2\t99999999999999999999", "line 3: timestamp \"99999999999999999999\""),
            (0, 3, "166\t346\t4\t879539794", "line 3: user \"166\" rates item \"346\" again (first on line 2)"),
            (1, 3, "2\t151\tF\tother\t94043", "line 3: age \"151\" of user \"2\""),
            (1, 3, "2\t-1\tF\tother\t94043", "line 3: age \"-1\" of user \"2\""),
            (1, 3, "2\t5.5\tF\tother\t94043", "line 3: age \"5.5\" of user \"2\""),
            (1, 3, "1\t53\tF\tother\t94043", "line 3: user \"1\" is listed twice (first on line 2)"),
            (1, 3, "2\t53\t\tother\t94043", "line 3: user \"2\" has no gender"),
            (2, 3, "13\tAngels and Insects\t1995\tDrama Romance", "line 3: item \"13\" is listed twice (first on line 2)"),
            (2, 3, "20\tAngels and Insects\t19x5\tDrama Romance", "line 3: release year \"19x5\" of item \"20\""),
            (2, 3, "20\tAngels and Insects\t1066\tDrama Romance", "line 3: release year \"1066\" of item \"20\""),
            (2, 3, "20\tAngels and Insects\t1995\tDrama  Romance", "line 3: an empty genre in \"Drama  Romance\""),
            (2, 3, "20\tAngels and Insects\t1995\tDrama Drama", "line 3: a genre listed twice"),
            (2, 3, "20\tAngels and Insects\t1995\t", "line 3: item \"20\" has no genre"),
            (2, 3, "20\t\t1995\tDrama", "line 3: item \"20\" has no title"),
        ]
        for (file, line, replacement, fragment) in cases {
            var changed = files
            changed[file] = Self.replacing(files[file], line: line, with: replacement)
            let error = dataError { () throws(DataError) in try Self.parse(changed) }
            let reason = Self.invalidReason(error)
            #expect(reason?.contains(fragment) == true, "\(fragment): \(String(describing: error))")
        }
    }

    @Test func emptyFilesAndInvalidUTF8AreRefused() throws {
        let files = try Self.texts()
        let empty = dataError { () throws(DataError) in try MovieLens100K.parse(inter: Data(), user: Data(files[1].utf8), item: Data(files[2].utf8)) }
        #expect(empty == .invalidContents(path: "ml-100k.inter", reason: "line 1: the file is empty: no header line"))
        // A header with no rows: no interactions, no users, no items.
        let headerOnly = files.map { text in String(text.prefix { $0 != "\n" }) + "\n" }
        for (k, name) in ["interactions", "users", "items"].enumerated() {
            var changed = files
            changed[k] = headerOnly[k]
            let error = dataError { () throws(DataError) in try Self.parse(changed) }
            #expect(error == .empty(name: MovieLens100K.fileNames[k], reason: "no \(name)"), "\(String(describing: error))")
        }
        // 0xFF is never UTF-8: a damaged title.
        var item = Array(files[2].utf8)
        item[try #require(item.firstIndex(of: UInt8(ascii: "M")))] = 0xFF
        let utf8 = dataError { () throws(DataError) in
            try MovieLens100K.parse(inter: Data(files[0].utf8), user: Data(files[1].utf8), item: Data(item))
        }
        #expect(Self.invalidReason(utf8)?.contains("line 2: column 2 is not valid UTF-8 text") == true, "\(String(describing: utf8))")
    }

    @Test func missingOrHugeFilesAreRefusedBeforeReading() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let missing = dataError { () throws(DataError) in try MovieLens100K.load(from: dir.url) }
        guard case .datasetNotInstalled(_, let searched, let files, let install)? = missing else {
            Issue.record("expected datasetNotInstalled, got \(String(describing: missing))")
            return
        }
        #expect(searched == [dir.url.path] && files == "ml-100k.inter, ml-100k.user, ml-100k.item")
        #expect(install.contains("scripts/prepare-movielens.sh"))
        // A sparse file one byte over the limit: refused from its size, without reading 256 MiB.
        let huge = dir.file("ml-100k.inter")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: nil))
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: UInt64(RecBoleAtomicFile.maxBytes + 1))
        try handle.close()
        let tooLarge = dataError { () throws(DataError) in try RecBoleAtomicFile.read(huge, requiredFields: []) }
        guard case .tooLarge(let path, let limit, _)? = tooLarge else {
            Issue.record("expected tooLarge, got \(String(describing: tooLarge))")
            return
        }
        #expect(path == huge.path && limit == RecBoleAtomicFile.maxBytes)
    }

    @Test func atomicFileKeepsFieldsTypesAndCells() throws {
        let text = "\u{FEFF}id:token\ttitle:token_seq\tscore:float_seq\r\na\tTwo Words\t1 2\r\nb\t\t\r\n"
        let file = try RecBoleAtomicFile.parse(Data(text.utf8), path: "x.item", requiredFields: ["id"])
        #expect(file.fields == ["id", "title", "score"] && file.types == ["token", "token_seq", "float_seq"])
        #expect(file.rows == [["a", "Two Words", "1 2"], ["b", "", ""]] && file.column("score") == 2)
        #expect(RecBoleAtomicFile.lineNumber(ofRow: 1) == 3)
    }
}

extension RealDataSuite {
    /// MovieLens-100K as scripts/prepare-movielens.sh writes it from the recbole==1.2.1 wheel.
    @Suite struct MovieLensRealDataTests {
        @Test(.enabled(if: MovieLens100K.isInstalled, "needs MovieLens-100K (scripts/prepare-movielens.sh)"))
        func loadsTheHundredThousandRatings() throws {
            let data = try MovieLens100K.load()
            #expect(data.interactions.count == 100_000 && data.userCount == 943 && data.itemCount == 1682)
            #expect(data.genreNames.count == 19 && data.genreNames.last == "unknown")
            #expect(data.genderNames == ["F", "M"] && data.occupationNames.count == 21)
            // The first line: "196 242 3 881250949"; ids are 1…943 and 1…1682 in file order.
            #expect(data.interactions[0] == Interaction(user: 195, item: 241, rating: 3, timestamp: 881_250_949))
            #expect(data.userIDs == (1...943).map { String($0) } && data.itemIDs == (1...1682).map { String($0) })
            // GroupLens' figures: every user has at least 20 ratings; the star counts.
            var perUser = [Int](repeating: 0, count: data.userCount), stars = [Int](repeating: 0, count: 6)
            for event in data.interactions {
                perUser[event.user] += 1
                stars[Int(event.rating)] += 1
            }
            #expect(perUser.min() == 20 && stars == [0, 6110, 11370, 27145, 34174, 21201])
            #expect(data.itemYears.filter { $0 == nil }.count == 2)
            #expect(data.itemGenres.map(\.count).reduce(0, +) == 2893)
        }
    }
}

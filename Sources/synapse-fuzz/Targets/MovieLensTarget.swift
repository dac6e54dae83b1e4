import Foundation
import Synapse

/// MovieLens-100K's RecBole atomic files (`RecBoleAtomicFile`, behind `MovieLens100K.load()`).
///
/// Seeds are the committed mini fixture (`Tests/SynapseTests/Fixtures/movielens-mini/`: 57 real
/// ratings of 6 users, their users and 55 movies, cut from the files `scripts/prepare-movielens.sh`
/// writes); each mutant replaces one of the three files, the others staying as they were, and is
/// read by `MovieLens100K.parse(inter:user:item:)`.
///
/// Accepted corruption: a changed digit or letter may be a legitimately different rating, id or
/// title, so a mutant may be accepted, but only if what was read is what the bytes say, checked by an
/// independent split of each file into lines and tab-separated cells: one interaction, user and item
/// per data line, in order, with the ids, ratings, timestamps, ages, genders, occupations, titles,
/// years and genres of their cells; every index in range; ratings in 1…5, ages in 0…150; ids and
/// user–item pairs unique; no control character in any text.
struct MovieLensTarget: FuzzTarget {
    let name = "movielens"

    /// The fixture directory, found from this source file (the fuzzer runs from a checkout).
    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/SynapseTests/Fixtures/movielens-mini")

    /// The seeds, read once (`check` compares each mutant's original against them).
    private static let cached = Result { try MovieLens100K.fileNames.map { [UInt8](try Data(contentsOf: fixtures.appendingPathComponent($0))) } }

    func seeds() throws -> [[UInt8]] { try Self.cached.get() }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let seeds = try? seeds(), let replaced = seeds.firstIndex(of: original) else { return .rejected }
        let files = seeds.indices.map { $0 == replaced ? mutant : seeds[$0] }
        let data: MovieLens100K
        do { data = try MovieLens100K.parse(inter: Data(files[0]), user: Data(files[1]), item: Data(files[2])) } catch { return .rejected }
        let inter = Cells(files[0]), users = Cells(files[1]), items = Cells(files[2])
        if let problem = Self.usersProblem(data, users) ?? Self.itemsProblem(data, items) ?? Self.interactionsProblem(data, inter) {
            return .corruptionAccepted(problem)
        }
        return .accepted
    }

    /// What is wrong with the users read from `file`, or nil.
    private static func usersProblem(_ data: MovieLens100K, _ file: Cells) -> String? {
        let n = data.userCount
        guard file.rows.count == n, data.userAges.count == n, data.userGenders.count == n, data.userOccupations.count == n else {
            return "\(n) users from \(file.rows.count) lines"
        }
        guard Set(data.userIDs).count == n, data.genderNames == data.genderNames.sorted(),
              data.occupationNames == data.occupationNames.sorted() else {
            return "a repeated user id, or unsorted genders or occupations"
        }
        for (u, row) in file.rows.enumerated() {
            guard data.genderNames.indices.contains(data.userGenders[u]), data.occupationNames.indices.contains(data.userOccupations[u]) else {
                return "user \(u): a gender or occupation index out of range"
            }
            guard file.cell(row, "user_id") == data.userIDs[u], file.cell(row, "age").flatMap({ Int($0) }) == data.userAges[u],
                  (0...150).contains(data.userAges[u]), file.cell(row, "gender") == data.genderNames[data.userGenders[u]],
                  file.cell(row, "occupation") == data.occupationNames[data.userOccupations[u]] else {
                return "user \(u) read as \(data.userIDs[u]), \(data.userAges[u]) from \(row)"
            }
        }
        return textProblem(data.userIDs + data.genderNames + data.occupationNames)
    }

    /// What is wrong with the items read from `file`, or nil.
    private static func itemsProblem(_ data: MovieLens100K, _ file: Cells) -> String? {
        let n = data.itemCount
        guard file.rows.count == n, data.itemTitles.count == n, data.itemGenres.count == n, data.itemYears.count == n else {
            return "\(n) items from \(file.rows.count) lines"
        }
        guard Set(data.itemIDs).count == n, data.genreNames == data.genreNames.sorted(),
              Set(data.genreNames).count == data.genreNames.count else {
            return "a repeated item id, or unsorted or repeated genres"
        }
        for (i, row) in file.rows.enumerated() {
            let genres = data.itemGenres[i]
            guard !genres.isEmpty, genres == genres.sorted(), Set(genres).count == genres.count,
                  genres.allSatisfy({ data.genreNames.indices.contains($0) }) else { return "item \(i): genres \(genres)" }
            let listed = (file.cell(row, "class") ?? "").utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            let yearText = file.cell(row, "release_year") ?? ""
            let year = yearText.unicodeScalars.contains(where: { ("0"..."9").contains($0) }) ? Int(yearText) : nil
            guard file.cell(row, "item_id") == data.itemIDs[i], file.cell(row, "movie_title") == data.itemTitles[i], !data.itemTitles[i].isEmpty,
                  Set(listed) == Set(genres.map { data.genreNames[$0] }), listed.count == genres.count,
                  year == data.itemYears[i], data.itemYears[i].map({ (1800...2100).contains($0) }) ?? true else {
                return "item \(i) read as \(data.itemIDs[i]), \(data.itemTitles[i].debugDescription), \(String(describing: data.itemYears[i])) from \(row)"
            }
        }
        return textProblem(data.itemIDs + data.itemTitles + data.genreNames)
    }

    /// What is wrong with the interactions read from `file`, or nil.
    private static func interactionsProblem(_ data: MovieLens100K, _ file: Cells) -> String? {
        guard file.rows.count == data.interactions.count, !data.interactions.isEmpty else {
            return "\(data.interactions.count) interactions from \(file.rows.count) lines"
        }
        var pairs = Set<[Int]>()
        for (k, (row, event)) in zip(file.rows, data.interactions).enumerated() {
            guard (0..<data.userCount).contains(event.user), (0..<data.itemCount).contains(event.item) else {
                return "interaction \(k): user \(event.user) or item \(event.item) out of range"
            }
            guard pairs.insert([event.user, event.item]).inserted else { return "interaction \(k): a repeated user–item pair" }
            // Whole seconds, with at most a fraction of zeros after them ("881250949.0").
            let time = (file.cell(row, "timestamp") ?? "").split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard file.cell(row, "user_id") == data.userIDs[event.user], file.cell(row, "item_id") == data.itemIDs[event.item],
                  file.cell(row, "rating").flatMap({ Float($0) }) == event.rating, event.rating.isFinite, (1...5).contains(event.rating),
                  Int64(time[0]) == event.timestamp, event.timestamp >= 0, time.count == 1 || time[1].allSatisfy({ $0 == "0" }) else {
                return "interaction \(k) read as \(event) from \(row)"
            }
        }
        return nil
    }

    /// A text holding a control character, or nil.
    private static func textProblem(_ texts: [String]) -> String? {
        let control = texts.first { text in text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) } }
        return control.map { "the text \($0.debugDescription) holds a control character" }
    }
}

/// A file split independently of `RecBoleAtomicFile`: lines at LF (one final LF and a CR before each
/// LF dropped, a UTF-8 byte-order mark skipped), cells at tabs, columns named by the header.
private struct Cells {
    let columns: [String: Int]
    let rows: [[String]]

    init(_ bytes: [UInt8]) {
        var body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if body.last == UInt8(ascii: "\n") { body.removeLast() }
        let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            (line.last == UInt8(ascii: "\r") ? line.dropLast() : line).split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
        }
        let header = lines.first ?? []
        var columns: [String: Int] = [:]
        for (c, field) in header.enumerated() { columns[String(field.split(separator: ":").first ?? "")] = c }
        self.columns = columns
        rows = Array(lines.dropFirst())
    }

    /// The cell of field `name` in `row`, nil when the header or the row lacks it (an accepted file
    /// never does: then the comparison with what was read fails and reports it).
    func cell(_ row: [String], _ name: String) -> String? {
        guard let c = columns[name], c < row.count else { return nil }
        return row[c]
    }
}

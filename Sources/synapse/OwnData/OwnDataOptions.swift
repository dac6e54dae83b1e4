import ArgumentParser
import Foundation
import Synapse

/// `synapse train` options for a user's own data: a CSV file (`--csv`, trained like the built-in
/// tabular datasets) or an image folder (`--images`, trained like the built-in image datasets).
struct OwnDataOptions: ParsableArguments {
    @Option(help: "Train an MLP on this CSV file (comma-separated, with a header) instead of a --dataset; needs --label.")
    var csv: String?

    @Option(help: "With --csv: the column to predict.")
    var label: String?

    @Option(help: "With --csv: classification or regression (default: detected from the label column: classification when a label is not a number, or for at most 20 distinct whole numbers). With a graph --dataset: node-classification (default for karate and cora), link-prediction, or graph-classification (solubility's).")
    var task: String?

    @Option(help: "With --csv: columns to read as categories (one-hot encoded) even when they hold numbers, comma-separated.")
    var categorical: String?

    @Option(help: "With --csv: columns to read as numbers (a cell that is not a number is then an error), comma-separated.")
    var numeric: String?

    @Option(help: "Train --model mlp, cnn or vit on this image folder (ImageFolder layout: DIR/<class>/<image>.png|jpg) instead of a --dataset.")
    var images: String?

    @Option(name: .customLong("image-size"),
            help: "With --images: resize every image to this size, N (square) or HxW (default 32; the cnn needs a square side divisible by 4).")
    var imageSize: String?

    @Option(parsing: .unconditional, help: "With --images: 1 (grey) or 3 (RGB) channels (default: 1 when every image is grey, else 3).")
    var channels: Int?

    @Flag(help: "With --images: refuse the folder at the first image that cannot be decoded (default: skip it and count it).")
    var strict = false

    @Option(name: .customLong("test-fraction"), parsing: .unconditional,
            help: "With --images: fraction of each class held out for the test accuracy (default 0.2; stratified, seeded by --seed).")
    var testFraction: Double?

    @Option(name: .customLong("validation-fraction"), parsing: .unconditional,
            help: "With --images: fraction of each class held out for the per-epoch validation logs (default 0: the test split is logged, as for the built-in image datasets).")
    var validationFraction: Double?

    /// The flags of a CSV run.
    static let csvFlags = ["--csv", "--label", "--task", "--categorical", "--numeric"]
    /// The flags of an image-folder run.
    static let imageFlags = ["--images", "--image-size", "--channels", "--strict", "--test-fraction", "--validation-fraction"]

    /// The own-data flags given, by name.
    var given: [String] {
        let flags: [(String, Bool)] = [
            ("--csv", csv != nil), ("--label", label != nil), ("--task", task != nil), ("--categorical", categorical != nil),
            ("--numeric", numeric != nil), ("--images", images != nil), ("--image-size", imageSize != nil), ("--channels", channels != nil),
            ("--strict", strict), ("--test-fraction", testFraction != nil), ("--validation-fraction", validationFraction != nil),
        ]
        return flags.filter(\.1).map(\.0)
    }

    /// Checks the values and that the flags belong together (`--label` only with `--csv`, ...).
    /// - Parameter graph: the run trains on a graph `--dataset`, whose `--task` is node
    ///   classification or link prediction.
    func validate(datasetGiven: Bool, graph: Bool = false) throws {
        if csv != nil && images != nil { throw ValidationError("--csv and --images cannot be combined: train on one source") }
        if datasetGiven && (csv != nil || images != nil) {
            throw ValidationError("--dataset cannot be combined with \(csv != nil ? "--csv" : "--images"): they name the data twice")
        }
        let misplaced = given.filter {
            (csv == nil && Self.csvFlags.contains($0) && !(graph && $0 == "--task")) || (images == nil && Self.imageFlags.contains($0))
        }
        if let flag = misplaced.first {
            throw ValidationError("\(flag) only applies with \(Self.csvFlags.contains(flag) ? "--csv" : "--images")")
        }
        if csv != nil && (label ?? "").isEmpty { throw ValidationError("--csv needs --label COLUMN naming the column to predict") }
        if graph && csv == nil { _ = try graphTask() } else { _ = try taskChoice() }
        if images != nil { _ = try size() }
        if let channels, channels != 1 && channels != 3 { throw ValidationError("--channels must be 1 or 3, got \(channels)") }
        if let testFraction, !(testFraction > 0 && testFraction < 1) {
            throw ValidationError("--test-fraction must be above 0 and below 1, got \(testFraction)")
        }
        if let validationFraction, !(validationFraction >= 0 && validationFraction < 1) {
            throw ValidationError("--validation-fraction must be at least 0 and below 1, got \(validationFraction)")
        }
        if (testFraction ?? 0.2) + (validationFraction ?? 0) >= 1 {
            throw ValidationError("--test-fraction and --validation-fraction must leave images to train on (their sum is at least 1)")
        }
    }

    /// The `--task` choice, nil when detected.
    func taskChoice() throws -> TabularBenchmark.Task? {
        guard let task else { return nil }
        guard task == "classification" || task == "regression" else {
            throw ValidationError("--task must be classification or regression, got '\(task)'")
        }
        return TabularBenchmark.Task(rawValue: task)
    }

    /// A graph run's `--task` (nil when not given: the dataset's own task).
    func graphTask() throws -> GraphTask? {
        guard let task else { return nil }
        guard let choice = GraphTask(rawValue: task) else {
            throw ValidationError("--task for a graph must be \(GraphTask.allCases.map(\.rawValue).joined(separator: " or ")), got '\(task)'")
        }
        return choice
    }

    /// `--image-size` as (height, width): `28` or `32x24` (default 32×32).
    func size() throws -> (height: Int, width: Int) {
        guard let imageSize else { return (32, 32) }
        let parts = imageSize.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        let sides = parts.compactMap { $0 }
        guard (parts.count == 1 || parts.count == 2), sides.count == parts.count,
              sides.allSatisfy({ (1...ImageFolder.maxSide).contains($0) }) else {
            throw ValidationError("--image-size must be N or HxW with sides from 1 to \(ImageFolder.maxSide), such as 28 or 32x32, got '\(imageSize)'")
        }
        return (sides[0], sides.count == 2 ? sides[1] : sides[0])
    }

    /// The CSV source the flags describe.
    func csvSource() throws -> CSVTrainingSource? {
        guard let csv, let label else { return nil }
        func columns(_ list: String?) -> [String] {
            (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return CSVTrainingSource(file: URL(fileURLWithPath: csv), label: label, task: try taskChoice(),
                                 categorical: columns(categorical), numeric: columns(numeric))
    }

    /// The image-folder source the flags describe.
    func folderSource() throws -> ImageFolderSource? {
        guard let images else { return nil }
        let (height, width) = try size()
        var source = ImageFolderSource(directory: URL(fileURLWithPath: images),
                                       options: ImageFolder.Options(height: height, width: width,
                                                                    color: channels.flatMap(ImageColor.init(rawValue:)), strict: strict))
        source.testFraction = testFraction ?? source.testFraction
        source.validationFraction = validationFraction ?? source.validationFraction
        return source
    }

    /// The own-data options as config.json records them, keyed like the flags.
    var resolved: [String: Any] {
        var out: [String: Any] = [:]
        if let csv {
            out["csv"] = URL(fileURLWithPath: csv).standardizedFileURL.path
            out["label"] = label
            if let task { out["task"] = task }
            if let categorical { out["categorical"] = categorical }
            if let numeric { out["numeric"] = numeric }
        }
        if let images {
            out["images"] = URL(fileURLWithPath: images).standardizedFileURL.path
            if let size = try? size() { out["image-size"] = "\(size.height)x\(size.width)" }
            if let channels { out["channels"] = channels }
            if strict { out["strict"] = true }
            out["test-fraction"] = testFraction ?? 0.2
            out["validation-fraction"] = validationFraction ?? 0
        }
        return out
    }

    /// The name of the data in run directories: the CSV file's or image folder's name, reduced to
    /// letters, digits, `.`, `_` and `-`.
    var runName: String? {
        let name: String
        if let source = try? csvSource() { name = source.name } else if let source = try? folderSource() { name = source.name } else { return nil }
        let safe = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
        return safe.isEmpty ? "data" : safe
    }
}

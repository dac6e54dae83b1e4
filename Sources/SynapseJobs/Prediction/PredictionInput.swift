import Foundation
import SynapseCore

/// The kinds of input `synapse predict --input` takes, decided from the path: the one place a new
/// kind (image files, decoded by `ImageDecoder`, once it exists) is added.
public enum PredictionInput: Sendable, Equatable {
    /// A CSV file of tabular rows with a header naming the training columns.
    case csv(URL)
    /// JSON: one example per line (JSON lines), or one array of examples. Tabular examples are
    /// objects keyed by column; images are arrays of pixels (nested or flat) or `{"pixels": [...]}`;
    /// forecasting windows are arrays of values or `{"values": [...]}`.
    case json(URL)
    /// An IDX image file (`[N, H, W]` unsigned bytes, optionally gzip-compressed), as MNIST ships.
    case idx(URL)
    /// One PNG or JPEG image.
    case image(URL)
    /// A directory of PNG or JPEG images (subfolders included, sorted; each prediction names its file).
    case imageDirectory(URL)

    /// The input at `path`, its kind chosen by extension (`.csv`, `.json`/`.jsonl`/`.ndjson`,
    /// `.png`/`.jpg`/`.jpeg`, IDX names such as `t10k-images-idx3-ubyte[.gz]` or `.idx`), or a directory.
    /// - Throws: `PredictionError.unreadableInput` when nothing is at `path`,
    ///   `.unsupportedInput` for an extension of no known kind.
    public init(path: String) throws(PredictionError) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableInput(path: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            self = .imageDirectory(url)
            return
        }
        var name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { name = String(name.dropLast(3)) }
        let ext = (name as NSString).pathExtension
        switch ext {
        case "csv": self = .csv(url)
        case "json", "jsonl", "ndjson": self = .json(url)
        case "png", "jpg", "jpeg": self = .image(url)
        case "idx": self = .idx(url)
        default:
            guard name.contains("-idx") || name.hasSuffix("ubyte") else {
                throw .unsupportedInput(path: path, reason: "unknown input kind '.\(ext)': expected a .csv file, a .json/.jsonl file, "
                                        + "an IDX file (…-idx3-ubyte[.gz]), a PNG/JPEG image or a directory of images")
            }
            self = .idx(url)
        }
    }

    /// The file or directory.
    public var url: URL {
        switch self {
        case .csv(let u), .json(let u), .idx(let u), .image(let u), .imageDirectory(let u): u
        }
    }

    /// What the input is, for messages ("a CSV file").
    public var kindDescription: String {
        switch self {
        case .csv: "a CSV file"
        case .json: "a JSON file"
        case .idx: "an IDX image file"
        case .image: "an image file"
        case .imageDirectory: "a directory of images"
        }
    }
}

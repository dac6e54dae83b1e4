import SynapseCore

/// A problem reading a data file or locating a dataset, with a message that names the file and
/// says what is wrong.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The file ends before the data its header announces.
    case truncated(path: String, expectedBytes: Int, foundBytes: Int)
    /// The file does not start with the magic number of its format.
    case badMagic(path: String, found: [UInt8])
    /// The IDX header names an element type this reader does not know.
    case unsupportedType(path: String, code: UInt8)
    /// The dimensions cannot describe a real file: their product overflows, or one of them is
    /// larger than the whole file.
    case absurdDimensions(path: String, shape: [Int], reason: String)
    /// The gzip stream is corrupt or cut short.
    case corruptGzip(path: String, reason: String)
    /// The contents are well-formed but not what the caller needs (wrong rank, extra bytes,
    /// a label out of range).
    case invalidContents(path: String, reason: String)
    /// An image file and its label file hold different numbers of examples.
    case countMismatch(imagesPath: String, images: Int, labelsPath: String, labels: Int)
    /// A dataset is not installed in any of the places searched.
    case datasetNotInstalled(name: String, searched: [String], missing: String, install: String)
    /// Writing a file failed.
    case writeFailed(path: String, reason: String)
    /// The data would be larger than the reader allows (a gzip bomb, a header announcing gigabytes).
    case tooLarge(path: String, limit: Int, reason: String)
    /// The images of a dataset do not have the shape the caller (or the other split) needs.
    case imageShapeMismatch(dataset: String, path: String, expected: [Int], found: [Int], reason: String)
    /// A dataset, split or loader holds nothing to train or evaluate on.
    case empty(name: String, reason: String)
    /// A time series is too short for the windows asked of it, or the window is out of range.
    case invalidWindow(series: String, length: Int, horizon: Int, values: Int, reason: String)
    /// A CSV or tabular file is malformed or does not fit what the caller asked for.
    case tabular(TabularError)
    /// An image file cannot be decoded (see `ImageError`).
    case image(ImageError)

    /// Human-readable explanation, naming the file involved.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): file not found"
        case .unreadable(let path, let reason):
            return "\(path): cannot read file: \(reason)"
        case .truncated(let path, let expected, let found):
            return "\(path): file is truncated: expected \(expected) bytes, found \(found)"
        case .badMagic(let path, let found):
            let hex = found.map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0x0" + $0 : "0x" + $0 }.joined(separator: " ")
            return "\(path): not an IDX file: bad magic number [\(hex)], expected [0x00 0x00 <type> <rank>]"
        case .unsupportedType(let path, let code):
            let hex = String(code, radix: 16, uppercase: true)
            return "\(path): unsupported IDX element type code 0x\(hex.count == 1 ? "0" + hex : hex)"
                + " (supported: 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)"
        case .absurdDimensions(let path, let shape, let reason):
            return "\(path): absurd IDX dimensions \(shape): \(reason)"
        case .corruptGzip(let path, let reason):
            return "\(path): corrupt gzip data: \(reason)"
        case .invalidContents(let path, let reason):
            return "\(path): \(reason)"
        case .countMismatch(let imagesPath, let images, let labelsPath, let labels):
            return "\(imagesPath) holds \(images) images but \(labelsPath) holds \(labels) labels"
        case .datasetNotInstalled(let name, let searched, let missing, let install):
            return "\(name) is not installed: \(missing) not found in "
                + searched.joined(separator: ", ") + ". Install it with: \(install)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write file: \(reason)"
        case .tooLarge(let path, let limit, let reason):
            return "\(path): refusing to read more than \(limit) bytes: \(reason)"
        case .imageShapeMismatch(let dataset, let path, let expected, let found, let reason):
            return "\(dataset) (\(path)): images of shape \(found) where \(expected) is needed: \(reason)"
        case .empty(let name, let reason):
            return "\(name): \(reason)"
        case .invalidWindow(let series, let length, let horizon, let values, let reason):
            return "time series \(series) (\(values) values): window length \(length) with horizon \(horizon): \(reason)"
        case .tabular(let error):
            return error.description
        case .image(let error):
            return error.description
        }
    }
}

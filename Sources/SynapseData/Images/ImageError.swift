import SynapseCore

/// An image file that could not be decoded, naming the file. Reaches dataset callers wrapped in
/// `DataError.image`, so every data loader throws one type.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read (missing, a directory, no permission).
    case unreadable(path: String, reason: String)
    /// The bytes are neither PNG nor JPEG.
    case unsupportedFormat(path: String)
    /// The file claims to be PNG or JPEG but its contents are invalid (truncated, bad checksum,
    /// bad compressed data); `reason` is the decoder's message.
    case corrupt(path: String, format: String, reason: String)
    /// The header announces more pixels than allowed (a decompression bomb): refused before the
    /// pixels are allocated.
    case tooLarge(path: String, limit: Int, reason: String)
    /// An image could not be encoded (sides out of range, out of memory); `reason` says why.
    case unencodable(reason: String)

    /// Human-readable explanation naming the file.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the image: \(reason)"
        case .unsupportedFormat(let path): "\(path): not a PNG or JPEG file (unknown signature)"
        case .corrupt(let path, let format, let reason): "\(path): corrupt \(format) file: \(reason)"
        case .tooLarge(let path, let limit, let reason):
            "\(path): image too large (at most \(limit) pixels are decoded): \(reason)"
        case .unencodable(let reason): "cannot encode the image: \(reason)"
        }
    }
}

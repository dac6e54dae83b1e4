import CImageCodecs
import Foundation
import SynapseCore

/// Decodes PNG and JPEG files with Debian's libpng and libjpeg-turbo (through the `CImageCodecs`
/// glue, which turns their errors into return codes: a corrupt file is a thrown `ImageError`, never
/// a crash). The format is recognised by its signature, not the file name.
///
/// PNG: every colour type and bit depth (palettes expanded to RGB or RGBA, grey below 8 bits to
/// 8 bits, 16-bit samples kept). JPEG: baseline and progressive, grey or RGB (CMYK converted to RGB
/// as Pillow converts it).
public enum ImageDecoder {
    /// The formats recognised.
    public enum Format: String, Sendable {
        /// Portable Network Graphics.
        case png = "PNG"
        /// JPEG (JFIF or Exif).
        case jpeg = "JPEG"
    }

    /// The most pixels decoded by default: Pillow's decompression-bomb limit (`MAX_IMAGE_PIXELS`,
    /// 89,478,485: a 256 MiB RGBA image). Larger headers are refused before allocating.
    public static let defaultMaxPixels = 89_478_485

    /// The format `bytes` start with, or nil.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Decodes a PNG or JPEG file held in memory; `path` names it in errors.
    /// - Throws: `ImageError.unsupportedFormat`, `.corrupt` (with the decoder's message), `.tooLarge`.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>",
                              maxPixels: Int = defaultMaxPixels) throws(ImageError) -> DecodedImage {
        guard let format = format(of: bytes) else { throw .unsupportedFormat(path: path) }
        var image = synapse_image()
        let status = bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: synapse_png_decode(buffer.baseAddress, buffer.count, UInt64(max(maxPixels, 0)), &image)
            case .jpeg: synapse_jpeg_decode(buffer.baseAddress, buffer.count, UInt64(max(maxPixels, 0)), &image)
            }
        }
        defer { synapse_image_free(&image) }
        let message = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch Int(status) {
        case Int(SYNAPSE_IMAGE_OK.rawValue): break
        case Int(SYNAPSE_IMAGE_TOO_LARGE.rawValue): throw .tooLarge(path: path, limit: maxPixels, reason: message)
        case Int(SYNAPSE_IMAGE_NO_MEMORY.rawValue): throw .corrupt(path: path, format: format.rawValue, reason: "out of memory")
        default: throw .corrupt(path: path, format: format.rawValue, reason: message.isEmpty ? "unknown error" : message)
        }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        guard let pixels = image.pixels else { throw .corrupt(path: path, format: format.rawValue, reason: "no pixels decoded") }
        let samples: [UInt16]
        if image.bit_depth == 16 {
            let p = pixels.assumingMemoryBound(to: UInt16.self)
            samples = Array(UnsafeBufferPointer(start: p, count: count))
        } else {
            let p = pixels.assumingMemoryBound(to: UInt8.self)
            samples = UnsafeBufferPointer(start: p, count: count).map(UInt16.init)
        }
        return DecodedImage(height: Int(image.height), width: Int(image.width), channels: Int(image.channels),
                            bitDepth: Int(image.bit_depth), samples: samples)
    }

    /// Decodes the PNG or JPEG file at `url`.
    /// - Throws: `ImageError.unreadable` when the file cannot be read, else as `decode(_:path:maxPixels:)`.
    public static func decode(contentsOf url: URL, maxPixels: Int = defaultMaxPixels) throws(ImageError) -> DecodedImage {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(url) } catch {
            switch error {
            case .fileNotFound: throw .unreadable(path: url.path, reason: "file not found")
            case .unreadable(_, let reason): throw .unreadable(path: url.path, reason: reason)
            default: throw .unreadable(path: url.path, reason: error.description)
            }
        }
        return try decode(bytes, path: url.path, maxPixels: maxPixels)
    }
}

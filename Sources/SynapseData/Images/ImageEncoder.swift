import CImageCodecs
import Foundation
import SynapseCore

/// Encodes 8-bit images as PNG files with Debian's libpng (through the `CImageCodecs` glue, so a
/// libpng error is a thrown `ImageError`, never a crash). Used for heatmaps, sample grids and other
/// images the CLI writes.
public enum ImageEncoder {
    /// The PNG file of `height` rows of `width` pixels of `channels` interleaved 8-bit samples
    /// (1 grey, 2 grey and alpha, 3 RGB, 4 RGBA), row-major `[H, W, C]`.
    /// - Throws: `ImageError.unencodable` for a pixel count that does not match the sides, sides
    ///   outside 1...65535, a channel count outside 1...4, or when memory runs out.
    public static func png(pixels: [UInt8], width: Int, height: Int, channels: Int) throws(ImageError) -> [UInt8] {
        guard (1...4).contains(channels), width > 0, height > 0, width <= 65535, height <= 65535 else {
            throw .unencodable(reason: "PNG images are 1 to 65535 pixels a side with 1 to 4 channels, not \(width)x\(height)x\(channels)")
        }
        guard pixels.count == width * height * channels else {
            throw .unencodable(reason: "\(pixels.count) samples for \(width)x\(height)x\(channels)")
        }
        var buffer = synapse_buffer()
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { p in
            synapse_png_encode(p.baseAddress, Int32(width), Int32(height), Int32(channels), &buffer, &message, message.count)
        }
        defer { synapse_buffer_free(&buffer) }
        guard status == Int32(SYNAPSE_IMAGE_OK.rawValue), let data = buffer.data else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .unencodable(reason: reason.isEmpty ? "libpng failed" : reason)
        }
        return Array(UnsafeBufferPointer(start: data, count: buffer.size))
    }

    /// `image` (8-bit) as a PNG file.
    /// - Throws: `ImageError.unencodable` for a 16-bit image or as `png(pixels:width:height:channels:)`.
    public static func png(_ image: DecodedImage) throws(ImageError) -> [UInt8] {
        guard image.bitDepth == 8 else { throw .unencodable(reason: "only 8-bit images are encoded, not \(image.bitDepth)-bit") }
        return try png(pixels: image.samples.map { UInt8($0) }, width: image.width, height: image.height, channels: image.channels)
    }
}

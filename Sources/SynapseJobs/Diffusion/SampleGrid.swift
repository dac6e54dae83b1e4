import Foundation
import SynapseCore
import SynapseData
import SynapseIO

/// Generated images tiled into one PNG: `columns` images per row, separated by a 2-pixel border,
/// each pixel mapped from the training scale [−1, 1] to 0–255. Grey images stay grey; 3-channel
/// images are written as RGB.
public struct SampleGrid {
    /// The images [N, C, H, W], C 1 or 3, values in [−1, 1] (clamped).
    public let images: Tensor
    /// Images per row.
    public let columns: Int
    /// Border between images, in pixels.
    public var border = 2

    /// A grid of `images` with `columns` images per row.
    public init(images: Tensor, columns: Int) {
        self.images = images
        self.columns = columns
    }

    /// The grid's PNG bytes.
    /// - Throws: `ImageError.unencodable` for a shape that is not [N, 1 or 3, H, W] or too large a grid.
    public func png() throws(ImageError) -> [UInt8] {
        let s = images.shape
        guard s.count == 4, s[0] > 0, s[1] == 1 || s[1] == 3, columns > 0 else {
            throw .unencodable(reason: "a sample grid needs images [N, 1 or 3, H, W] and at least one column, got \(s)")
        }
        let (n, c, h, w) = (s[0], s[1], s[2], s[3])
        let columnCount = min(columns, n), rows = (n + columnCount - 1) / columnCount
        let width = columnCount * w + (columnCount + 1) * border, height = rows * h + (rows + 1) * border
        guard width <= 65535, height <= 65535 else { throw .unencodable(reason: "a \(width)x\(height) grid is too large for PNG") }
        var pixels = [UInt8](repeating: 255, count: width * height * c)
        let values = images.contiguous().scalars
        for i in 0..<n {
            let top = border + (i / columnCount) * (h + border), left = border + (i % columnCount) * (w + border)
            for y in 0..<h {
                for x in 0..<w {
                    for k in 0..<c {
                        let v = values[((i * c + k) * h + y) * w + x]
                        let level = v.isFinite ? (min(max(v, -1), 1) + 1) * 127.5 : 0
                        pixels[((top + y) * width + left + x) * c + k] = UInt8(level.rounded())
                    }
                }
            }
        }
        return try ImageEncoder.png(pixels: pixels, width: width, height: height, channels: c)
    }

    /// Writes the grid to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(try png()), to: url)
    }
}

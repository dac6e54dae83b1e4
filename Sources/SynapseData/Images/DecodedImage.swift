import SynapseCore

/// A decoded image: `height` rows of `width` pixels of `channels` interleaved samples (1 grey,
/// 2 grey and alpha, 3 RGB, 4 RGBA), each of `bitDepth` bits (8 or 16), row-major ([H, W, C]).
public struct DecodedImage: Sendable, Equatable {
    /// Rows.
    public let height: Int
    /// Pixels per row.
    public let width: Int
    /// Samples per pixel: 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// Bits per sample: 8 (values 0...255) or 16 (0...65535).
    public let bitDepth: Int
    /// The samples, `[H, W, C]` row-major.
    public let samples: [UInt16]

    /// An image from parts; `samples.count` must be `height * width * channels`.
    public init(height: Int, width: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        precondition(samples.count == height * width * channels, "DecodedImage: \(samples.count) samples for \(height)x\(width)x\(channels)")
        precondition(bitDepth == 8 || bitDepth == 16, "DecodedImage: bit depth \(bitDepth) is not 8 or 16")
        self.height = height
        self.width = width
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// The largest sample value: 255 or 65535.
    public var maxValue: Int { bitDepth == 16 ? 65535 : 255 }

    /// Whether the colour samples are grey (1 or 2 channels).
    public var isGray: Bool { channels <= 2 }

    /// The samples scaled to [0, 1] (divided by `maxValue`), `[H, W, C]`.
    public var floatPixels: [Float] {
        let scale = 1 / Float(maxValue)
        return samples.map { Float($0) * scale }
    }

    /// The samples as bytes: 16-bit samples keep their high byte (as Pillow's 16-bit RGB reader does).
    public var bytePixels: [UInt8] { samples.map { UInt8(bitDepth == 16 ? $0 >> 8 : $0) } }

    /// The pixels as a `[H, W, C]` tensor in [0, 1].
    public var tensor: Tensor { Tensor(shape: [height, width, channels], scalars: floatPixels) }

    /// The image in `color`: alpha dropped, grey replicated to RGB, RGB reduced to luma with
    /// Pillow's integer formula `(R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16`, so 8-bit results equal
    /// Pillow's `convert("L")` exactly.
    public func converted(to color: ImageColor) -> DecodedImage {
        let pixels = height * width
        var out = [UInt16](repeating: 0, count: pixels * color.channels)
        samples.withUnsafeBufferPointer { s in
            for p in 0..<pixels {
                let base = p * channels
                if isGray {
                    for c in 0..<color.channels { out[p * color.channels + c] = s[base] }
                } else if color == .rgb {
                    for c in 0..<3 { out[p * 3 + c] = s[base + c] }
                } else {
                    let luma = (UInt64(s[base]) * 19595 + UInt64(s[base + 1]) * 38470 + UInt64(s[base + 2]) * 7471 + 0x8000) >> 16
                    out[p] = UInt16(luma)
                }
            }
        }
        return DecodedImage(height: height, width: width, channels: color.channels, bitDepth: bitDepth, samples: out)
    }
}

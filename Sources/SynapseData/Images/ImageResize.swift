import SynapseCore

/// Bilinear resizing with Pillow's antialiasing (`Image.resize(size, Image.BILINEAR)`, also what
/// torchvision's `Resize` does to PIL images): when shrinking, the triangle filter is widened by the
/// scale factor, so every source pixel contributes and small objects do not flicker or vanish.
/// Sample centres are aligned (`align_corners=False`). Results equal Pillow's on float images ("F"
/// mode) up to float rounding.
public enum ImageResize {
    /// `pixels` (`[H, W, C]` row-major) resized to `toHeight` × `toWidth`.
    /// - Precondition: every size is positive and `pixels.count == height * width * channels`.
    public static func bilinear(_ pixels: [Float], height: Int, width: Int, channels: Int, toHeight: Int, toWidth: Int) -> [Float] {
        precondition(height > 0 && width > 0 && channels > 0 && toHeight > 0 && toWidth > 0, "ImageResize.bilinear: sizes must be positive")
        precondition(pixels.count == height * width * channels, "ImageResize.bilinear: \(pixels.count) values for \(height)x\(width)x\(channels)")
        if height == toHeight && width == toWidth { return pixels }
        // Horizontal pass first, then vertical, as Pillow does.
        let columns = coefficients(from: width, to: toWidth)
        var wide = [Float](repeating: 0, count: height * toWidth * channels)
        for y in 0..<height {
            for (x, taps) in columns.enumerated() {
                for c in 0..<channels {
                    var sum = 0.0
                    for (source, weight) in taps { sum += Double(pixels[(y * width + source) * channels + c]) * weight }
                    wide[(y * toWidth + x) * channels + c] = Float(sum)
                }
            }
        }
        let rows = coefficients(from: height, to: toHeight)
        var out = [Float](repeating: 0, count: toHeight * toWidth * channels)
        for (y, taps) in rows.enumerated() {
            for x in 0..<toWidth {
                for c in 0..<channels {
                    var sum = 0.0
                    for (source, weight) in taps { sum += Double(wide[(source * toWidth + x) * channels + c]) * weight }
                    out[(y * toWidth + x) * channels + c] = Float(sum)
                }
            }
        }
        return out
    }

    /// For each output position, the source positions and normalised weights (Pillow's
    /// `precompute_coeffs` with the bilinear filter, support 1).
    static func coefficients(from inSize: Int, to outSize: Int) -> [[(Int, Double)]] {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filterScale
        return (0..<outSize).map { o in
            let center = (Double(o) + 0.5) * scale
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), inSize)
            var taps: [(Int, Double)] = []
            var total = 0.0
            for s in low..<max(high, low) {
                let w = max(0, 1 - abs((Double(s) - center + 0.5) / filterScale))
                taps.append((s, w))
                total += w
            }
            return total > 0 ? taps.map { ($0.0, $0.1 / total) } : taps
        }
    }
}

import Foundation
import SynapseCore
import SynapseData

/// Pictures of an image's attributions: a PNG with the input, the heatmap and their overlay side by
/// side, and an SVG overlay (the input with the heatmap laid over it and a colour bar).
///
/// Channels are summed per pixel, then scaled so the largest values holding 2% of the total
/// |attribution| saturate (Captum's visualisation default, `outlier_perc=2`, a cumulative-sum
/// threshold) so one extreme pixel does not wash the rest out. Signed
/// attributions use a diverging map (blue negative, red positive); non-negative ones (saliency,
/// SmoothGrad) a white-to-red map.
public struct AttributionImage: Sendable {
    /// Per-pixel attribution scaled to [−1, 1] (or [0, 1] when not signed), row-major [H, W].
    public let heat: [Double]
    /// The input as grey or RGB values in [0, 1], [H, W, C].
    public let picture: [Double]
    /// Rows.
    public let height: Int
    /// Columns.
    public let width: Int
    /// Colour channels of `picture` (1 or 3).
    public let channels: Int
    /// Whether the attributions carry a sign.
    public let signed: Bool
    /// The value that maps to full colour (Captum's `outlier_perc=2` threshold of |attribution|).
    public let scale: Double
    /// Caption.
    public let title: String

    /// A picture of `attribution` over `image`, both [C, H, W] (C = 1 or 3) flat in that order.
    public init(attribution: [Float], image: [Float], channels: Int, height: Int, width: Int, title: String) {
        require(channels == 1 || channels == 3, "AttributionImage: channels must be 1 or 3, got \(channels)")
        require(attribution.count == channels * height * width && image.count == attribution.count,
                "AttributionImage: \(attribution.count) attributions and \(image.count) values for \(channels)×\(height)×\(width)")
        let plane = height * width
        var map = [Double](repeating: 0, count: plane)
        for c in 0..<channels { for i in 0..<plane { map[i] += Double(attribution[c * plane + i]) } }
        signed = map.contains { $0 < 0 }
        // Captum's `_cumulative_sum_threshold(|a|, 98)`: the smallest |a| at which the ascending
        // cumulative sum reaches 98% of the total.
        let sorted = map.map(abs).sorted()
        let total = sorted.reduce(0, +)
        var running = 0.0, threshold = sorted.last ?? 0
        for v in sorted {
            running += v
            if running >= 0.98 * total { threshold = v; break }
        }
        let full = threshold > 0 ? threshold : (sorted.last ?? 0)
        scale = full
        heat = map.map { full > 0 ? min(max($0 / full, -1), 1) : 0 }
        // The input stretched to [0, 1] for display, whatever its normalisation.
        let lo = Double(image.min() ?? 0), hi = Double(image.max() ?? 1)
        let span = hi > lo ? hi - lo : 1
        var display = [Double](repeating: 0, count: image.count)
        for c in 0..<channels { for i in 0..<plane { display[i * channels + c] = (Double(image[c * plane + i]) - lo) / span } }
        picture = display
        self.height = height
        self.width = width
        self.channels = channels
        self.title = title
    }

    /// The colour of a scaled attribution `v`.
    func color(_ v: Double) -> (Double, Double, Double) {
        let a = min(abs(v), 1)
        // Red (0.70, 0.09, 0.17) for positive, blue (0.13, 0.40, 0.67) for negative, from white.
        let target = v >= 0 ? (0.70, 0.09, 0.17) : (0.13, 0.40, 0.67)
        return (1 + a * (target.0 - 1), 1 + a * (target.1 - 1), 1 + a * (target.2 - 1))
    }

    /// RGB bytes of the input, heatmap and overlay side by side, each `zoom` times its size, with a
    /// 4-pixel white gap: (pixels, width, height).
    public func triptych(zoom: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let w = width * zoom, h = height * zoom, gap = 4
        let total = 3 * w + 2 * gap
        var out = [UInt8](repeating: 255, count: total * h * 3)
        func put(_ panel: Int, _ x: Int, _ y: Int, _ rgb: (Double, Double, Double)) {
            let o = (y * total + panel * (w + gap) + x) * 3
            out[o] = UInt8(max(0, min(255, (rgb.0 * 255).rounded())))
            out[o + 1] = UInt8(max(0, min(255, (rgb.1 * 255).rounded())))
            out[o + 2] = UInt8(max(0, min(255, (rgb.2 * 255).rounded())))
        }
        for y in 0..<h {
            for x in 0..<w {
                let i = (y / zoom) * width + x / zoom
                let input = inputColor(i)
                let c = color(heat[i])
                let alpha = 0.8 * min(abs(heat[i]), 1)
                put(0, x, y, input)
                put(1, x, y, c)
                put(2, x, y, (input.0 * (1 - alpha) + c.0 * alpha, input.1 * (1 - alpha) + c.1 * alpha, input.2 * (1 - alpha) + c.2 * alpha))
            }
        }
        return (out, total, h)
    }

    /// The triptych as a PNG file.
    public func png(zoom: Int? = nil) throws(ImageError) -> [UInt8] {
        let z = max(1, min(zoom ?? 224 / max(width, height), 64))
        let t = triptych(zoom: z)
        return try ImageEncoder.png(pixels: t.pixels, width: t.width, height: t.height, channels: 3)
    }

    /// An SVG overlay: the input (embedded PNG) under the heatmap (embedded RGBA PNG, opacity from
    /// |attribution|), drawn pixelated at `size` pixels, with a titled colour bar. `.document` is the
    /// standalone file, `.element` the markup to embed in HTML.
    public func svg(size: Double = 336) throws(ImageError) -> SVGCanvas {
        var inputBytes = [UInt8](), heatBytes = [UInt8]()
        for i in 0..<(height * width) {
            let c = inputColor(i)
            inputBytes += [c.0, c.1, c.2].map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
            let h = color(heat[i])
            heatBytes += [h.0, h.1, h.2].map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
            heatBytes.append(UInt8((0.8 * min(abs(heat[i]), 1) * 255).rounded()))
        }
        let inputPNG = try ImageEncoder.png(pixels: inputBytes, width: width, height: height, channels: 3)
        let heatPNG = try ImageEncoder.png(pixels: heatBytes, width: width, height: height, channels: 4)
        let aspect = Double(height) / Double(width)
        let side = size, imageHeight = size * aspect
        var canvas = SVGCanvas(width: side + 90, height: imageHeight + 50)
        canvas.text(title, x: 8, y: 20, size: 14, weight: "bold")
        for (bytes, label) in [(inputPNG, "input"), (heatPNG, "attribution")] {
            canvas.append("<image x=\"8\" y=\"32\" width=\"\(SVG.n(side))\" height=\"\(SVG.n(imageHeight))\" "
                + "preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" "
                + "href=\"data:image/png;base64,\(Data(bytes).base64EncodedString())\"><title>\(label)</title></image>")
        }
        // Colour bar: top = +scale, bottom = −scale (or 0 when unsigned).
        let barX = side + 24, barTop = 32.0, barHeight = imageHeight, steps = 40
        for k in 0..<steps {
            let v = signed ? 1 - 2 * (Double(k) + 0.5) / Double(steps) : 1 - (Double(k) + 0.5) / Double(steps)
            let c = color(v)
            let hex = String(format: "#%02x%02x%02x", Int(c.0 * 255), Int(c.1 * 255), Int(c.2 * 255))
            canvas.rect(barX, barTop + barHeight * Double(k) / Double(steps), 14, barHeight / Double(steps) + 0.5, fill: hex)
        }
        canvas.text(String(format: "%.3g", scale), x: barX + 18, y: barTop + 10, size: 10)
        canvas.text(signed ? String(format: "%.3g", -scale) : "0", x: barX + 18, y: barTop + barHeight, size: 10)
        return canvas
    }

    private func inputColor(_ i: Int) -> (Double, Double, Double) {
        if channels == 1 { let g = picture[i]; return (g, g, g) }
        return (picture[i * 3], picture[i * 3 + 1], picture[i * 3 + 2])
    }
}

/// A horizontal bar chart of tabular attributions: the features with the largest |attribution|,
/// red for pushing towards the explained class, blue for pushing away, labelled with the feature's value.
public struct AttributionBarChart: Sendable {
    /// Feature names.
    public var names: [String]
    /// Attribution per feature.
    public var values: [Double]
    /// The feature values shown beside the names (original units), if any.
    public var featureValues: [Double]?
    /// Caption.
    public var title: String
    /// Bars shown (the largest |attribution| first).
    public var top: Int

    /// A chart of `values` named `names`.
    public init(names: [String], values: [Double], featureValues: [Double]? = nil, title: String, top: Int = 15) {
        require(names.count == values.count, "AttributionBarChart: \(names.count) names for \(values.count) values")
        require(featureValues.map { $0.count == names.count } ?? true,
                "AttributionBarChart: \(featureValues?.count ?? 0) feature values for \(names.count) names")
        self.names = names
        self.values = values
        self.featureValues = featureValues
        self.title = title
        self.top = top
    }

    /// The chart (`.document` for a standalone file, `.element` to embed in HTML).
    public var svg: SVGCanvas {
        let order = values.indices.sorted { abs(values[$0]) > abs(values[$1]) }.prefix(max(top, 1))
        let rowHeight = 22.0, labelWidth = 260.0, barWidth = 320.0
        var canvas = SVGCanvas(width: labelWidth + barWidth + 80, height: 44 + rowHeight * Double(order.count) + 10)
        canvas.text(title, x: 8, y: 20, size: 14, weight: "bold")
        let largest = order.map { abs(values[$0]) }.max() ?? 0
        let zero = labelWidth + barWidth / 2
        canvas.line(zero, 32, zero, 40 + rowHeight * Double(order.count), stroke: "#888")
        for (row, i) in order.enumerated() {
            let y = 36 + rowHeight * Double(row)
            let label = featureValues.map { "\(names[i]) = \(String(format: "%.4g", $0[i]))" } ?? names[i]
            canvas.text(label, x: labelWidth - 8, y: y + 14, size: 11, anchor: "end")
            let length = largest > 0 ? abs(values[i]) / largest * (barWidth / 2 - 4) : 0
            let x = values[i] >= 0 ? zero : zero - length
            canvas.rect(x, y + 3, length, rowHeight - 6, fill: values[i] >= 0 ? "#b2182b" : "#2166ac",
                        title: "\(names[i]): \(String(format: "%.6g", values[i]))")
            canvas.text(String(format: "%+.3g", values[i]), x: labelWidth + barWidth + 4, y: y + 14, size: 10)
        }
        return canvas
    }
}

import Foundation
import SynapseCore

/// A minimal SVG builder: elements appended as text into a fixed-size canvas. No dependencies, so
/// plots can be written anywhere the library runs; the output is standalone SVG 1.1 that browsers,
/// image viewers and XML parsers read.
public struct SVGCanvas: Sendable {
    /// Canvas width in pixels.
    public let width: Double
    /// Canvas height in pixels.
    public let height: Double
    /// The element markup so far, in drawing order.
    public private(set) var body: [String] = []

    /// An empty canvas of the given size.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Appends raw markup (already escaped, well-formed).
    public mutating func append(_ markup: String) { body.append(markup) }

    /// A line segment.
    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                              width: Double = 1, dash: String? = nil) {
        let dashed = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        append("<line x1=\"\(SVG.n(x1))\" y1=\"\(SVG.n(y1))\" x2=\"\(SVG.n(x2))\" y2=\"\(SVG.n(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(SVG.n(width))\"\(dashed)/>")
    }

    /// A rectangle; `title` becomes a hover tooltip.
    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String,
                              stroke: String? = nil, title: String? = nil) {
        let s = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let open = "<rect x=\"\(SVG.n(x))\" y=\"\(SVG.n(y))\" width=\"\(SVG.n(max(w, 0)))\" height=\"\(SVG.n(max(h, 0)))\" fill=\"\(fill)\"\(s)"
        if let title { append(open + "><title>\(SVG.escape(title))</title></rect>") } else { append(open + "/>") }
    }

    /// A connected line through `points` (canvas coordinates).
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard !points.isEmpty else { return }
        let coordinates = points.map { "\(SVG.n($0.0)),\(SVG.n($0.1))" }.joined(separator: " ")
        let dashed = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        append("<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(SVG.n(width))\""
            + " stroke-linejoin=\"round\"\(dashed)/>")
    }

    /// Text anchored at (x, y); `anchor` is start, middle or end; `rotate` turns it about its anchor.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                              weight: String = "normal", fill: String = "#222", rotate: Double? = nil) {
        let rotation = rotate.map { " transform=\"rotate(\(SVG.n($0)) \(SVG.n(x)) \(SVG.n(y)))\"" } ?? ""
        append("<text x=\"\(SVG.n(x))\" y=\"\(SVG.n(y))\" font-size=\"\(SVG.n(size))\" text-anchor=\"\(anchor)\" "
            + "font-weight=\"\(weight)\" fill=\"\(fill)\"\(rotation)>\(SVG.escape(string))</text>")
    }

    /// The `<svg>` element alone, for embedding in HTML.
    public var element: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(SVG.n(width))\" height=\"\(SVG.n(height))\" "
            + "viewBox=\"0 0 \(SVG.n(width)) \(SVG.n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(SVG.n(width))\" height=\"\(SVG.n(height))\" fill=\"white\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>"
    }

    /// A standalone SVG file: the XML declaration and the `<svg>` element.
    public var document: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element + "\n" }
}

/// Helpers shared by the plots.
public enum SVG {
    /// `string` with the five XML special characters escaped, safe inside text and attribute values.
    public static func escape(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.count)
        for ch in string {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros (smaller files, stable output).
    static func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        var s = String(format: "%.2f", value)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Colours of successive series (Matplotlib's tab10, readable on white and to most colour-blind readers).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
}

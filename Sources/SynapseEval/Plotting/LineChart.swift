import SynapseCore

/// A line chart of one or more named series with axes, ticks, grid and a legend, written as SVG.
///
/// General purpose: ROC and precision-recall curves, and loss or metric curves from a training
/// history (x = epoch or step). Axis ranges default to the data's, rounded out to nice ticks.
public struct LineChart: Sendable {
    /// One named line.
    public struct Series: Sendable {
        /// Legend text.
        public var name: String
        /// Points in data coordinates, drawn in the given order; non-finite points are skipped.
        public var points: [(x: Double, y: Double)]
        /// Colour (CSS); nil takes the next colour of `SVG.palette`.
        public var color: String?
        /// Draw dashed (reference lines such as the chance diagonal).
        public var dashed: Bool

        /// A series.
        public init(name: String, points: [(x: Double, y: Double)], color: String? = nil, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
        }

        /// A series of `y` against 1, 2, 3, ... (epochs, say).
        public init(name: String, values: [Double], color: String? = nil, dashed: Bool = false) {
            self.init(name: name, points: values.enumerated().map { (x: Double($0.offset + 1), y: $0.element) },
                      color: color, dashed: dashed)
        }

        /// At most `maxPoints` of the points, evenly spaced, first and last kept. Curves over
        /// thousands of thresholds look the same with a few hundred points and make far smaller files.
        public func thinned(maxPoints: Int) -> Series {
            guard maxPoints >= 2, points.count > maxPoints else { return self }
            let step = Double(points.count - 1) / Double(maxPoints - 1)
            var copy = self
            copy.points = (0..<maxPoints).map { points[Int((Double($0) * step).rounded())] }
            return copy
        }
    }

    /// Chart title.
    public var title: String
    /// X-axis label.
    public var xLabel: String
    /// Y-axis label.
    public var yLabel: String
    /// The lines, drawn in order.
    public var series: [Series]
    /// Fixed x range; nil fits the data.
    public var xRange: ClosedRange<Double>?
    /// Fixed y range; nil fits the data.
    public var yRange: ClosedRange<Double>?
    /// Canvas width in pixels.
    public var width: Double
    /// Canvas height in pixels.
    public var height: Double

    /// A chart.
    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, width: Double = 640, height: Double = 420) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.width = width
        self.height = height
    }

    /// The chart drawn on a canvas (legend on the right).
    public var canvas: SVGCanvas {
        let finite = series.flatMap { $0.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let xs = finite.map(\.x), ys = finite.map(\.y)
        let x = xRange ?? ((xs.min() ?? 0)...(xs.max() ?? 1))
        let y = yRange ?? ((ys.min() ?? 0)...(ys.max() ?? 1))
        let legendWidth = min(220, 24 + 7 * Double(series.map(\.name.count).max() ?? 0))
        let frame = PlotFrame(width: width, height: height, x: x, y: y, rightMargin: legendWidth + 16)
        var canvas = SVGCanvas(width: width, height: height)
        frame.draw(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
        var colorIndex = 0
        for (i, s) in series.enumerated() {
            let color = s.color ?? SVG.palette[colorIndex % SVG.palette.count]
            if s.color == nil { colorIndex += 1 }
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (frame.px($0.x), frame.py($0.y)) }
            canvas.polyline(pts, stroke: color, width: s.dashed ? 1.2 : 2, dash: s.dashed ? "5,4" : nil)
            let ly = frame.top + 8 + Double(i) * 18
            canvas.line(frame.right + 14, ly, frame.right + 34, ly, stroke: color, width: 2, dash: s.dashed ? "5,4" : nil)
            canvas.text(s.name, x: frame.right + 40, y: ly + 4, size: 11)
        }
        return canvas
    }

    /// The standalone SVG file.
    public var svg: String { canvas.document }
}

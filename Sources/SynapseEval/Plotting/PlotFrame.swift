import SynapseCore

/// The plotting area of a chart: maps data coordinates to canvas pixels and draws the axes, grid,
/// ticks, axis labels and title. Shared by `LineChart` and `ReliabilityDiagram`.
struct PlotFrame {
    let left: Double, top: Double, right: Double, bottom: Double
    let xTicks: [Double], yTicks: [Double]

    /// A frame inside `canvas` with room for labels, whose axes span the ticks covering the ranges.
    init(width: Double, height: Double, x: ClosedRange<Double>, y: ClosedRange<Double>, rightMargin: Double = 20) {
        left = 64
        top = 40
        right = width - rightMargin
        bottom = height - 52
        xTicks = AxisTicks.ticks(low: x.lowerBound, high: x.upperBound)
        yTicks = AxisTicks.ticks(low: y.lowerBound, high: y.upperBound)
    }

    var xMin: Double { xTicks.first ?? 0 }
    var xMax: Double { xTicks.last ?? 1 }
    var yMin: Double { yTicks.first ?? 0 }
    var yMax: Double { yTicks.last ?? 1 }

    /// Canvas x of data value `x`.
    func px(_ x: Double) -> Double { left + (x - xMin) / max(xMax - xMin, 1e-300) * (right - left) }
    /// Canvas y of data value `y` (SVG's y axis points down).
    func py(_ y: Double) -> Double { bottom - (y - yMin) / max(yMax - yMin, 1e-300) * (bottom - top) }

    /// Grid, axes, tick labels, axis titles and the chart title.
    func draw(on canvas: inout SVGCanvas, title: String, xLabel: String, yLabel: String) {
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        for t in xTicks {
            canvas.line(px(t), top, px(t), bottom, stroke: "#e6e6e6")
            canvas.line(px(t), bottom, px(t), bottom + 5, stroke: "#444")
            canvas.text(AxisTicks.label(t, step: xStep), x: px(t), y: bottom + 18, size: 11, anchor: "middle")
        }
        for t in yTicks {
            canvas.line(left, py(t), right, py(t), stroke: "#e6e6e6")
            canvas.line(left - 5, py(t), left, py(t), stroke: "#444")
            canvas.text(AxisTicks.label(t, step: yStep), x: left - 8, y: py(t) + 4, size: 11, anchor: "end")
        }
        canvas.line(left, bottom, right, bottom, stroke: "#444")
        canvas.line(left, top, left, bottom, stroke: "#444")
        canvas.text(xLabel, x: (left + right) / 2, y: bottom + 40, size: 13, anchor: "middle")
        canvas.text(yLabel, x: 18, y: (top + bottom) / 2, size: 13, anchor: "middle", rotate: -90)
        canvas.text(title, x: (left + right) / 2, y: 24, size: 15, anchor: "middle", weight: "bold")
    }
}

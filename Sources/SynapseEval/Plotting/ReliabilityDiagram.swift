import SynapseCore

/// A reliability diagram, as SVG: for each confidence bin, a bar at the bin's accuracy, a marker at
/// its mean confidence, and the diagonal of perfect calibration. Bars below the diagonal mean
/// over-confidence. The expected calibration error is written in the title.
public struct ReliabilityDiagram: Sendable {
    /// Chart title (the ECE is appended).
    public var title: String
    /// The calibration to draw.
    public var calibration: CalibrationReport
    /// Canvas width in pixels.
    public var width: Double
    /// Canvas height in pixels.
    public var height: Double

    /// A diagram of `calibration`.
    public init(calibration: CalibrationReport, title: String = "Reliability diagram", width: Double = 480, height: Double = 420) {
        self.calibration = calibration
        self.title = title
        self.width = width
        self.height = height
    }

    /// The diagram drawn on a canvas.
    public var canvas: SVGCanvas {
        let frame = PlotFrame(width: width, height: height, x: 0...1, y: 0...1)
        var canvas = SVGCanvas(width: width, height: height)
        let ece = AxisTicks.label(calibration.expectedCalibrationError, step: 0.0001)
        frame.draw(on: &canvas, title: "\(title) (ECE \(ece))", xLabel: "confidence", yLabel: "accuracy")
        for bin in calibration.bins {
            guard let accuracy = bin.accuracy, let confidence = bin.meanConfidence else { continue }
            let x0 = frame.px(bin.lower) + 1, x1 = frame.px(bin.upper) - 1
            canvas.rect(x0, frame.py(accuracy), x1 - x0, frame.py(0) - frame.py(accuracy), fill: "#1f77b4",
                        stroke: "#15557f", title: "(\(bin.lower), \(bin.upper)]: \(bin.count) examples, accuracy "
                            + "\(AxisTicks.label(accuracy, step: 0.001)), mean confidence \(AxisTicks.label(confidence, step: 0.001))")
            canvas.line(x0, frame.py(confidence), x1, frame.py(confidence), stroke: "#d62728", width: 2)
        }
        canvas.line(frame.px(0), frame.py(0), frame.px(1), frame.py(1), stroke: "#777", width: 1.2, dash: "5,4")
        // Legend in the top-left corner, which the bars of a sensible model leave empty.
        canvas.rect(frame.px(0.03), frame.py(0.97), 12, 10, fill: "#1f77b4")
        canvas.text("accuracy", x: frame.px(0.03) + 17, y: frame.py(0.97) + 9, size: 11)
        canvas.line(frame.px(0.03), frame.py(0.91) + 5, frame.px(0.03) + 12, frame.py(0.91) + 5, stroke: "#d62728", width: 2)
        canvas.text("mean confidence", x: frame.px(0.03) + 17, y: frame.py(0.91) + 9, size: 11)
        return canvas
    }

    /// The standalone SVG file.
    public var svg: String { canvas.document }
}

import SynapseCore

/// A matrix drawn as coloured cells with their values written in, as SVG: a confusion matrix, say.
public struct Heatmap: Sendable {
    /// Chart title.
    public var title: String
    /// The values, `values[row][column]`.
    public var values: [[Double]]
    /// Text in each cell; nil writes the values.
    public var annotations: [[String]]?
    /// Labels of the rows (left).
    public var rowLabels: [String]
    /// Labels of the columns (bottom, slanted).
    public var columnLabels: [String]
    /// Title of the row axis.
    public var rowTitle: String
    /// Title of the column axis.
    public var columnTitle: String
    /// Size of a cell in pixels.
    public var cellSize: Double

    /// A heatmap; labels default to the indices.
    public init(title: String, values: [[Double]], annotations: [[String]]? = nil, rowLabels: [String]? = nil,
                columnLabels: [String]? = nil, rowTitle: String = "", columnTitle: String = "", cellSize: Double = 44) {
        self.title = title
        self.values = values
        self.annotations = annotations
        self.rowLabels = rowLabels ?? values.indices.map(String.init)
        self.columnLabels = columnLabels ?? (values.first ?? []).indices.map(String.init)
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
        self.cellSize = cellSize
    }

    /// A confusion matrix: cells coloured by each row's fraction (so rare classes show too) and
    /// annotated with the counts; rows are true classes, columns predictions.
    public init(confusion: ConfusionMatrix, classNames: [String]? = nil, title: String = "Confusion matrix") {
        let names = classNames ?? (0..<confusion.classCount).map(String.init)
        self.init(title: title, values: confusion.rowNormalized,
                  annotations: confusion.counts.map { $0.map(String.init) },
                  rowLabels: names, columnLabels: names, rowTitle: "true class", columnTitle: "predicted class")
    }

    /// The heatmap drawn on a canvas.
    public var canvas: SVGCanvas {
        let rows = values.count, cols = values.first?.count ?? 0
        let labelWidth = 14 + 7 * Double(rowLabels.map(\.count).max() ?? 1)
        let columnLabelHeight = 14 + 5 * Double(columnLabels.map(\.count).max() ?? 1)
        let left = 30 + labelWidth, top = 44.0
        let width = left + Double(cols) * cellSize + 20
        let height = top + Double(rows) * cellSize + columnLabelHeight + 30
        var canvas = SVGCanvas(width: width, height: height)
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        canvas.text(title, x: width / 2, y: 24, size: 15, anchor: "middle", weight: "bold")
        for r in 0..<rows {
            for c in 0..<cols {
                let v = values[r][c]
                let t = high > low && v.isFinite ? (v - low) / (high - low) : 0
                let x = left + Double(c) * cellSize, y = top + Double(r) * cellSize
                let label = annotations?[r][c] ?? AxisTicks.label(v, step: 0.01)
                canvas.rect(x, y, cellSize, cellSize, fill: Self.color(t), stroke: "white",
                            title: "\(rowLabels[r]) → \(columnLabels[c]): \(label)")
                canvas.text(label, x: x + cellSize / 2, y: y + cellSize / 2 + 4, size: 11, anchor: "middle",
                            fill: t > 0.55 ? "white" : "#222")
            }
            canvas.text(rowLabels[r], x: left - 6, y: top + (Double(r) + 0.5) * cellSize + 4, size: 11, anchor: "end")
        }
        let bottom = top + Double(rows) * cellSize
        for c in 0..<cols {
            let x = left + (Double(c) + 0.5) * cellSize
            canvas.text(columnLabels[c], x: x, y: bottom + 12, size: 11, anchor: "end", rotate: -40)
        }
        canvas.text(columnTitle, x: left + Double(cols) * cellSize / 2, y: height - 8, size: 13, anchor: "middle")
        canvas.text(rowTitle, x: 14, y: top + Double(rows) * cellSize / 2, size: 13, anchor: "middle", rotate: -90)
        return canvas
    }

    /// The standalone SVG file.
    public var svg: String { canvas.document }

    /// White to dark blue for t in [0, 1].
    static func color(_ t: Double) -> String {
        let u = min(max(t, 0), 1)
        let (r, g, b) = (255 - 247 * u, 255 - 207 * u, 255 - 148 * u)
        return "rgb(\(Int(r.rounded())),\(Int(g.rounded())),\(Int(b.rounded())))"
    }
}

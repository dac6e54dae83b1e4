import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval

/// Parses SVG text as XML and records element names, so tests can check both well-formedness and content.
final class SVGStructure: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String] = []
    var rootAttributes: [String: String] = [:]
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if elements.isEmpty { rootAttributes = attributes }
        elements.append(name)
        current = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        current = ""
    }

    /// Parses `svg`; nil when it is not well-formed XML.
    static func parse(_ svg: String) -> SVGStructure? {
        let parser = XMLParser(data: Data(svg.utf8))
        let structure = SVGStructure()
        parser.delegate = structure
        return parser.parse() ? structure : nil
    }
}

@Suite struct SVGTests {
    @Test func lineChartIsValidSVGWithSeriesAxesAndLegend() throws {
        let chart = LineChart(title: "Loss <train & val>", xLabel: "epoch", yLabel: "loss", series: [
            .init(name: "train", values: [1.2, 0.8, 0.6, 0.5]),
            .init(name: "validation \"val\"", values: [1.3, 0.9, 0.75, 0.7]),
            .init(name: "reference", points: [(1, 1), (4, 0.4), (.nan, 2)], dashed: true),
        ])
        let svg = chart.svg
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let parsed = try #require(SVGStructure.parse(svg), "the chart is not well-formed XML")
        #expect(parsed.elements.first == "svg")
        #expect(parsed.rootAttributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(parsed.elements.filter { $0 == "polyline" }.count == 3)
        #expect(parsed.texts.contains("Loss <train & val>"))      // escaped in the file, intact when parsed
        #expect(parsed.texts.contains("validation \"val\""))
        #expect(parsed.texts.contains("epoch") && parsed.texts.contains("loss"))
        // Nice ticks: the x axis runs 1...4 in whole epochs.
        #expect(parsed.texts.contains("1") && parsed.texts.contains("4"))
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }

    @Test func heatmapOfConfusionMatrix() throws {
        let m = try ConfusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
        let svg = Heatmap(confusion: m, classNames: ["cat", "dog", "T-shirt/top"]).svg
        let parsed = try #require(SVGStructure.parse(svg))
        #expect(parsed.elements.filter { $0 == "rect" }.count == 1 + 9)   // background + cells
        #expect(parsed.texts.contains("T-shirt/top") && parsed.texts.contains("predicted class"))
        #expect(parsed.texts.filter { $0 == "2" }.count == 1)             // the one cell counting 2
    }

    @Test func reliabilityDiagramHasABarPerNonEmptyBin() throws {
        let report = try CalibrationReport([0, 1, 1, 0], classProbabilities: [[0.9, 0.1], [0.35, 0.65], [0.45, 0.55], [0.15, 0.85]])
        let parsed = try #require(SVGStructure.parse(ReliabilityDiagram(calibration: report).svg))
        let nonEmpty = report.bins.filter { $0.count > 0 }.count
        #expect(nonEmpty == 3)
        #expect(parsed.elements.filter { $0 == "rect" }.count == 1 + nonEmpty + 1)   // background, bars, legend swatch
        #expect(parsed.texts.contains { $0.hasPrefix("Reliability diagram (ECE ") })
    }

    @Test func ticksAreRound() {
        let unit = AxisTicks.ticks(low: 0, high: 1)
        #expect(unit.count == 6 && zip(unit, [0, 0.2, 0.4, 0.6, 0.8, 1]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(AxisTicks.ticks(low: 3, high: 97) == [0, 20, 40, 60, 80, 100])
        #expect(AxisTicks.ticks(low: 5, high: 5).count >= 2)
        #expect(AxisTicks.label(0.25, step: 0.05) == "0.25")
        #expect(SVG.escape("a<b & 'c'") == "a&lt;b &amp; &apos;c&apos;")
    }

    @Test func thinningKeepsEnds() {
        let series = LineChart.Series(name: "s", values: (0..<1000).map(Double.init)).thinned(maxPoints: 50)
        #expect(series.points.count == 50)
        #expect(series.points.first?.y == 0 && series.points.last?.y == 999)
    }
}

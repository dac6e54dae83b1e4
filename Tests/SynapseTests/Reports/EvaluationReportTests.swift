import Foundation
import Testing
@testable import Synapse
@testable import SynapseEval

@Suite struct EvaluationReportTests {
    static func sampleReport() throws -> EvaluationReport {
        let labels = [0, 1, 2, 0, 1, 2, 0, 1]
        let probabilities: [[Double]] = [[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6], [0.3, 0.5, 0.2],
                                         [0.1, 0.8, 0.1], [0.5, 0.1, 0.4], [0.9, 0.05, 0.05], [0.5, 0.4, 0.1]]
        let slices = try ClassificationSlices(name: "half", labels: labels, probabilities: probabilities) { $0 < 4 ? "first" : "second" }
        return try EvaluationReport(title: "Test report", details: [("model", "toy | pipes")], classNames: ["cat", "dog", "bird"],
                                    labels: labels, probabilities: probabilities, slices: [slices])
    }

    @Test func markdownHasEverySection() throws {
        let md = try Self.sampleReport().render(.markdown)
        for heading in ["# Test report", "## Metrics", "## Per class", "## Confusion matrix", "## ROC and precision-recall curves",
                        "## Calibration", "## Slices by half"] {
            #expect(md.contains("\n\(heading)\n") || md.hasPrefix("\(heading)\n"), "missing \(heading)")
        }
        #expect(md.contains("| accuracy | 0.6250 |"))
        #expect(md.contains("toy \\| pipes"))               // pipes escaped inside table cells
        #expect(md.contains("| 0 cat | 2 | 1 | 0 |"))        // confusion-matrix row of class 0
        #expect(md.contains("Worst slice by accuracy: second"))
        #expect(md.contains("**second (worst)**"))
        #expect(!md.contains("<svg"))
    }

    @Test func htmlEmbedsParsableSVGPlots() throws {
        let html = try Self.sampleReport().render(.html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)   // confusion, ROC, PR, reliability
        #expect(html.contains("<tr class=\"highlight\"><td>second (worst)</td>"))
        #expect(html.contains("toy | pipes"))
        // Every embedded plot is well-formed XML on its own.
        var rest = Substring(html)
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            #expect(SVGStructure.parse(String(rest[start.lowerBound..<end.upperBound])) != nil)
            rest = rest[end.upperBound...]
        }
    }

    @Test func formatFollowsTheExtensionAndWritesAtomically() throws {
        let report = try Self.sampleReport()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try report.write(to: dir.appendingPathComponent("sub/report.md"))
        try report.write(to: dir.appendingPathComponent("report.HTML"))
        #expect(try String(contentsOf: dir.appendingPathComponent("sub/report.md"), encoding: .utf8).hasPrefix("# Test report"))
        #expect(try String(contentsOf: dir.appendingPathComponent("report.HTML"), encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
        #expect(throws: ReportError.unsupportedFormat(path: dir.appendingPathComponent("report.pdf").path, extension: "pdf")) {
            try report.write(to: dir.appendingPathComponent("report.pdf"))
        }
        #expect(throws: ReportError.self) { try report.write(to: dir.appendingPathComponent("report")) }
        #expect(ReportError.unsupportedFormat(path: "r.txt", extension: "txt").description.contains("use .md"))
    }

    @Test func reportOnASingleClassStillRenders() throws {
        // Every label the same: ROC-AUC and the curves have no value, but the report does not fail.
        let report = try EvaluationReport(title: "one class", labels: [1, 1], probabilities: [[0.2, 0.8], [0.6, 0.4]])
        #expect(report.summary.rocAUCMacro == nil)
        let md = report.render(.markdown)
        #expect(md.contains("| ROC-AUC (one-vs-rest, macro) | – |"))
    }
}

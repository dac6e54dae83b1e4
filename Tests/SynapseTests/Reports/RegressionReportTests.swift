import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval

/// `RegressionReport`: metrics beside baselines, slices with the worst (highest MAE) marked, plot.
@Suite struct RegressionReportTests {
    static let targets: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
    static let predictions: [Double] = [1.5, 2, 2.5, 4, 5, 7, 9, 5]   // errors grow with the target

    @Test func metricsMatchTheMetricFunctions() throws {
        let s = try RegressionSummary(targets: Self.targets, predictions: Self.predictions)
        #expect(s.count == 8)
        #expect(s.meanAbsoluteError == (try meanAbsoluteError(Self.targets, Self.predictions)))
        #expect(s.rootMeanSquaredError == (try rootMeanSquaredError(Self.targets, Self.predictions)))
        #expect(s.r2 == (try r2Score(Self.targets, Self.predictions)))
        #expect(s.meanAbsolutePercentageError == (try meanAbsolutePercentageError(Self.targets, Self.predictions)))
        #expect(s.values.map(\.name) == ["mae", "mse", "rmse", "r2", "mape"])
        #expect(throws: MetricError.self) { try RegressionSummary(targets: [1, 2], predictions: [1]) }
    }

    @Test func quantileKeysSplitIntoEqualBucketsInOrder() {
        let keys = RegressionReport.quantileKeys(Self.targets.reversed())
        #expect(keys == ["Q4 highest [7, 8]", "Q4 highest [7, 8]", "Q3 [5, 6]", "Q3 [5, 6]", "Q2 [3, 4]", "Q2 [3, 4]",
                         "Q1 lowest [1, 2]", "Q1 lowest [1, 2]"])
        #expect(RegressionReport.quantileKeys([]) == [])
    }

    @Test func reportShowsBaselinesSlicesAndPlot() throws {
        let slicing = try RegressionReport.Slicing(name: "target quartile", targets: Self.targets, predictions: Self.predictions,
                                                   keys: RegressionReport.quantileKeys(Self.targets))
        #expect(slicing.slices.count == 4)
        #expect(slicing.worst?.key == "Q4 highest [7, 8]")   // |9-7| + |5-8| over two examples
        let report = try RegressionReport(title: "Forecast", details: [("dataset", "toy")], targets: Self.targets,
                                          predictions: Self.predictions,
                                          baselines: [("persistence", [0, 1, 2, 3, 4, 5, 6, 7])], slices: [slicing],
                                          curve: (x: Self.targets.map { 2000 + $0 }, xLabel: "year"))
        let md = report.render(.markdown)
        for needle in ["# Forecast", "| metric | model | persistence |", "| MAE | 0.8750 | 1.0000 |", "## Slices by target quartile",
                       "Worst slice by MAE: Q4 highest [7, 8]", "**Q4 highest [7, 8] (worst)**"] {
            #expect(md.contains(needle), "Markdown lacks \(needle)")
        }
        let html = report.render(.html)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 1)
        let svg = try #require(html.range(of: "<svg ").flatMap { start in html.range(of: "</svg>").map { String(html[start.lowerBound..<$0.upperBound]) } })
        #expect(SVGStructure.parse(svg)?.texts.contains("predicted") == true)
        #expect(throws: ReportError.self) { try report.write(to: URL(fileURLWithPath: "/tmp/report.pdf")) }
    }
}

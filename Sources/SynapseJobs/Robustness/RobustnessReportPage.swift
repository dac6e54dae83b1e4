import Foundation
import SynapseEval

/// The report of a robustness run: clean and robust accuracy per ε for each model, the attack's
/// success rate and perturbation sizes, and the robustness curves.
struct RobustnessReportPage {
    let result: RobustnessResult
    let count: Int

    var title: String { "Adversarial robustness of \(result.models[0].modelDescription)" }

    private func f(_ v: Double) -> String { String(format: "%.4f", v) }
    private func e(_ v: Float) -> String { String(format: "%g", v) }

    var document: ReportDocument {
        var doc = ReportDocument()
        let attack = result.models[0].evaluation.attack
        doc.add(.heading(title, level: 1))
        doc.add(.paragraph("\(count) images of the \(result.dataset.rawValue) test split (pixels in [0, 1]), attacked with "
            + "\(attack.methodSummary),"
            + " maximising the cross-entropy of the true class within the ε-ball and the pixel range. Robust accuracy: the fraction "
            + "still classified correctly; success rate: the fraction of correctly classified images the attack turned wrong."))
        let names = result.models.map { m in
            m.weights.lastPathComponent + (m.adversarialTraining.map { " (adversarial training: \($0))" } ?? " (standard training)")
        }
        for (m, name) in zip(result.models, names) {
            doc.add(.heading(name, level: 2))
            doc.add(.paragraph("\(m.modelDescription); clean accuracy \(f(m.evaluation.cleanAccuracy))."))
            doc.add(.table(header: ["ε", "robust accuracy", "success rate", "mean perturbation", "largest perturbation"],
                           rows: m.evaluation.results.map { r in
                               [e(r.epsilon), f(r.accuracy), f(r.successRate), f(r.meanPerturbation), f(r.maxPerturbation)]
                           }))
        }
        if result.models.count > 1 {
            doc.add(.heading("Side by side", level: 2))
            doc.add(.table(header: ["ε"] + names, rows: [["0 (clean)"] + result.models.map { f($0.evaluation.cleanAccuracy) }]
                + result.models[0].evaluation.results.indices.map { i in
                    [e(result.models[0].evaluation.results[i].epsilon)] + result.models.map { f($0.evaluation.results[i].accuracy) }
                }))
        }
        let colours = ["#1f77b4", "#d62728", "#2ca02c"]
        let series = result.models.enumerated().map { i, m in
            LineChart.Series(name: names[i], points: [(x: 0, y: m.evaluation.cleanAccuracy)]
                                + m.evaluation.results.map { (x: Double($0.epsilon), y: $0.accuracy) }, color: colours[i % colours.count])
        }
        doc.add(.figure(svg: LineChart(title: "Robust accuracy against ε", xLabel: "ε (\(attack.norm == .linf ? "L∞" : "L2"))",
                                       yLabel: "accuracy", series: series, yRange: 0...1).svg,
                        caption: "Accuracy under attack as the radius grows (ε = 0: clean)"))
        return doc
    }
}

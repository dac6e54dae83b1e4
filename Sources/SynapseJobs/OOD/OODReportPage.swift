import Foundation
import SynapseEval

/// The report of an out-of-distribution run: detection figures per score and set, ROC curves, the
/// validation thresholds, risk-coverage curves and the escalate list of abstained test examples.
struct OODReportPage {
    let result: OODResult
    let weights: URL
    let modelDescription: String
    let classNames: [String]
    let energyTemperature: Double

    var title: String { "Out-of-distribution detection of \(modelDescription)" }

    /// Rows of the escalate table shown in the report (the CSV lists all of them).
    static let escalateRows = 50

    private func f(_ v: Double) -> String { String(format: "%.4f", v) }
    private func name(_ k: Int) -> String { k < classNames.count ? classNames[k] : String(k) }

    var document: ReportDocument {
        var doc = ReportDocument()
        let r = result
        let tpr = r.thresholds.values.first?.targetTruePositiveRate ?? 0.95
        let percent = String(format: "%g%%", tpr * 100)
        doc.add(.heading(title, level: 1))
        doc.add(.paragraph("Weights \(weights.path). In-distribution: the \(r.dataset.rawValue) test split; out-of-distribution: "
            + r.sets.map { "\($0.dataset.rawValue) (\($0.count) images)" }.joined(separator: ", ") + ". Every score is higher for inputs "
            + "that look in-distribution: the maximum softmax probability, the negative free energy T·logsumexp(z/T) with T = "
            + "\(energyTemperature), and minus the smallest squared Mahalanobis distance of the penultimate features to a class mean "
            + "(class means and shared covariance fitted on the first 90% of the training split)."
            + (r.mahalanobisUnavailable.map { " No Mahalanobis score: \($0)." } ?? "")))
        if !r.validationHeldOut {
            doc.add(.paragraph("Warning: the weights record no held-out validation split, so the model was trained on the images the "
                               + "thresholds were chosen on; on new in-distribution data they accept a little less than \(percent)."))
        }
        doc.add(.heading("Detection", level: 2))
        doc.add(.paragraph("AUROC: the probability that an in-distribution image scores above an out-of-distribution one (0.5 = chance). "
            + "AUPR-In/-Out: average precision with in-/out-of-distribution images as the positives. FPR at \(percent) TPR: the "
            + "fraction of out-of-distribution images accepted when \(percent) of the in-distribution test images are. \"Accepted at "
            + "threshold\": the same with the threshold chosen on the validation split, as it would be deployed."))
        var rows: [[String]] = []
        for set in r.sets {
            for kind in r.scores {
                guard let d = set.detection[kind] else { continue }
                rows.append([set.dataset.rawValue, kind.rawValue, f(d.auroc), f(d.auprIn), f(d.auprOut), f(d.falsePositiveRate),
                             f(set.acceptedAtThreshold[kind] ?? .nan)])
            }
        }
        doc.add(.table(header: ["out-of-distribution", "score", "AUROC", "AUPR-In", "AUPR-Out", "FPR at \(percent) TPR",
                                "accepted at threshold"], rows: rows))
        let colours = ["#1f77b4", "#d62728", "#2ca02c"]
        for set in r.sets {
            let series = r.scores.enumerated().compactMap { i, kind in
                set.detection[kind].map { LineChart.Series(name: "\(kind.rawValue) (AUROC \(f($0.auroc)))", points: $0.roc.points,
                                                           color: colours[i % colours.count]).thinned(maxPoints: 400) }
            }
            let chart = LineChart(title: "ROC: \(r.dataset.rawValue) vs \(set.dataset.rawValue)", xLabel: "out-of-distribution accepted (FPR)",
                                  yLabel: "in-distribution accepted (TPR)", series: series, xRange: 0...1, yRange: 0...1)
            doc.add(.figure(svg: chart.svg, caption: "ROC curves, \(set.dataset.rawValue) as out-of-distribution"))
        }

        doc.add(.heading("Thresholds (validation split)", level: 2))
        doc.add(.paragraph("Each threshold is the highest score that accepts \(percent) of the validation split (the last 10% of the "
                           + "training split); inputs scoring below it are flagged as out-of-distribution."))
        doc.add(.table(header: ["score", "threshold", "test split accepted"] + r.sets.map { "\($0.dataset.rawValue) accepted" },
                       rows: r.scores.map { kind in
                           [kind.rawValue, String(format: "%.6g", r.thresholds[kind]?.value ?? .nan), f(r.testAcceptance[kind] ?? .nan)]
                               + r.sets.map { f($0.acceptedAtThreshold[kind] ?? .nan) }
                       }))

        doc.add(.heading("Selective prediction", level: 2))
        let s = r.selective
        doc.add(.paragraph("Abstaining below \(s.threshold.score.rawValue) = \(String(format: "%.6g", s.threshold.value)) (which accepts "
            + "\(f(s.threshold.targetTruePositiveRate)) of the validation split) on the test split keeps \(f(s.coverage)) of the "
            + "images (coverage) with an error rate of \(f(s.selectiveRisk)) among them, against \(f(s.fullRisk)) without abstaining "
            + "(accuracy \(f(r.testAccuracy))); \(s.abstained.count) images are escalated. The risk-coverage curve keeps images from "
            + "the most confident down; a lower area (AURC) is better."))
        doc.add(.table(header: ["score", "AURC", "risk at 50% coverage", "at 80%", "at 90%", "at 100%"], rows: r.scores.compactMap { kind in
            r.riskCoverage[kind].map { c in [kind.rawValue, f(c.area), f(c.risk(atCoverage: 0.5)), f(c.risk(atCoverage: 0.8)),
                                             f(c.risk(atCoverage: 0.9)), f(c.risk(atCoverage: 1))] }
        }))
        let series = r.scores.enumerated().compactMap { i, kind in
            r.riskCoverage[kind].map { LineChart.Series(name: "\(kind.rawValue) (AURC \(f($0.area)))", points: $0.points,
                                                         color: colours[i % colours.count]).thinned(maxPoints: 400) }
        }
        doc.add(.figure(svg: LineChart(title: "Risk-coverage (\(r.dataset.rawValue) test split)", xLabel: "coverage", yLabel: "error rate",
                                       series: series, xRange: 0...1).svg,
                        caption: "Risk against coverage per score"))

        doc.add(.heading("Escalate list", level: 2))
        doc.add(.paragraph("The \(r.escalated.count) abstained test images, least confident first"
            + (r.escalated.count > Self.escalateRows ? " (the first \(Self.escalateRows) here; all in \(r.escalateListURL.path))"
               : " (also in \(r.escalateListURL.path))") + "."))
        doc.add(.table(header: ["test index", "true class", "predicted", "\(s.threshold.score.rawValue) score", "correct"],
                       rows: r.escalated.prefix(Self.escalateRows).map { e in
                           [String(e.index), name(e.label), name(e.predicted), String(format: "%.4g", e.score), e.label == e.predicted ? "yes" : "no"]
                       }))
        return doc
    }
}

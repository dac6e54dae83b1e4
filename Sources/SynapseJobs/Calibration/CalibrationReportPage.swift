import Foundation
import SynapseEval

/// The report of a calibration run: the fitted parameters, accuracy, NLL, ECE and MCE before and
/// after on the validation split (the fit's data) and the test split (never seen by the fit), and
/// reliability diagrams of the test split before and after.
struct CalibrationReportPage {
    let result: CalibrationResult
    let weights: URL
    let modelDescription: String
    let bins: Int

    var title: String { "Calibration of \(modelDescription)" }

    var document: ReportDocument {
        var doc = ReportDocument()
        let c = result.file.calibration
        doc.add(.heading(title, level: 1))
        doc.add(.paragraph("Weights \(weights.path). \(c.summary.prefix(1).uppercased() + c.summary.dropFirst()), fitted on the "
                           + "\(result.file.fittedOn) by minimising the negative log-likelihood; written to \(result.fileURL.path), "
                           + "where `synapse predict` and `synapse serve` apply it to the class probabilities."))
        if !result.validationHeldOut {
            doc.add(.paragraph("Warning: the weights record no held-out validation split, so the model was trained on the images the "
                               + "calibration was fitted on; its confidence there is higher than on new data and the fit leans towards "
                               + "overconfidence. Train with `--hold-out-validation` for an unbiased fit. The test-split figures are honest either way."))
        }
        func f(_ v: Double) -> String { String(format: "%.4f", v) }
        let header = ["split", "examples", "accuracy before", "accuracy after", "NLL before", "NLL after",
                      "ECE before", "ECE after", "MCE before", "MCE after"]
        let rows = [("validation", result.validation), ("test", result.test)].map { name, pair in
            [name, String(pair.before.count), f(pair.before.accuracy), f(pair.after.accuracy), f(pair.before.negativeLogLikelihood),
             f(pair.after.negativeLogLikelihood), f(pair.before.expectedCalibrationError), f(pair.after.expectedCalibrationError),
             f(pair.before.maximumCalibrationError), f(pair.after.maximumCalibrationError)]
        }
        doc.add(.heading("Before and after", level: 2))
        doc.add(.table(header: header, rows: rows, highlighted: [1]))
        doc.add(.paragraph("ECE and MCE over \(bins) equal-width confidence bins (confidence = the predicted class's probability). "
                           + (c.method == .temperature ? "Temperature scaling never changes the predicted class, so accuracy is unchanged."
                              : "\(c.method.rawValue.capitalized) scaling may change predicted classes.")))
        if c.method != .temperature {
            doc.add(.table(header: ["class", "scale / row norm", "bias"], rows: (0..<c.classCount).map { k in
                let scale = c.method == .vector ? c.weights[k]
                    : (0..<c.classCount).reduce(0) { $0 + c.weights[k * c.classCount + $1] * c.weights[k * c.classCount + $1] }.squareRoot()
                return [String(k), f(scale), f(c.biases[k])]
            }))
        }
        doc.add(.heading("Reliability diagrams (test split)", level: 2))
        doc.add(.figure(svg: ReliabilityDiagram(calibration: result.test.before.calibration, title: "Before calibration").svg,
                        caption: "before: ECE \(f(result.test.before.expectedCalibrationError))"))
        doc.add(.figure(svg: ReliabilityDiagram(calibration: result.test.after.calibration, title: "After \(c.method.rawValue) scaling").svg,
                        caption: "after: ECE \(f(result.test.after.expectedCalibrationError))"))
        return doc
    }
}

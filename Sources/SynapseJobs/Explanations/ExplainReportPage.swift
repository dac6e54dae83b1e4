import Foundation
import SynapseEval

/// The report of `synapse explain`: the prediction, the method and its settings, the picture, and
/// the largest attributions or the counterfactual's changes.
struct ExplainReportPage {
    let result: ExplainResult
    let figure: (svg: String, caption: String)?

    var title: String { "Explanation of \(result.exampleName) (\(result.datasetName))" }

    private var methodText: String {
        switch result.method {
        case .ig: "Integrated Gradients (Sundararajan et al. 2017): the input minus the baseline times the gradient averaged along the "
            + "straight path from the baseline; the attributions add up to f(input) − f(baseline), and the completeness error says how "
            + "closely they do."
        case .saliency: "Gradient saliency (Simonyan et al. 2014): the absolute gradient of the explained logit."
        case .inputXGradient: "Input × gradient (Shrikumar et al. 2016)."
        case .smoothgrad: "SmoothGrad (Smilkov et al. 2017): saliency averaged over copies of the input with Gaussian noise."
        case .occlusion: "Occlusion (Zeiler and Fergus 2014): the drop of the explained logit when a window of the input is replaced by "
            + "the baseline, averaged over the windows covering each value."
        case .shap: "KernelSHAP (Lundberg and Lee 2017): Shapley values of the explained logit, absent features taking the values of "
            + "background examples from the training split; they add up to f(input) minus its mean over the background."
        case .counterfactual: "Counterfactual search (Wachter et al. 2017): the smallest L1 change of the mutable features, within the "
            + "ranges seen in training, that changes the decision."
        }
    }

    var document: ReportDocument {
        var doc = ReportDocument()
        doc.add(.heading(title, level: 1))
        var prediction = "Model: \(result.modelDescription). "
            + (result.label.map { "True label: \($0)." } ?? "Input: \(result.input?.path ?? result.exampleName) (label unknown).")
        if !result.classNames.isEmpty {
            prediction += " Predicted: \(result.classNames[result.predicted]) (probability "
                + String(format: "%.4f", result.probabilities[result.predicted]) + ")."
        }
        doc.add(.paragraph(prediction))
        doc.add(.paragraph(methodText + " Settings: \(result.settings). Attributions: \(result.jsonURL.lastPathComponent)."))
        if let a = result.attribution {
            var rows = [["explained output", result.classNames.indices.contains(a.targets[0]) ? result.classNames[a.targets[0]] : "output \(a.targets[0])"],
                        ["f(input)", String(format: "%.6g", a.outputs[0])]]
            if let base = a.baselineOutputs?.first { rows.append(["f(baseline)", String(format: "%.6g", base)]) }
            if let delta = a.convergenceDelta?.first { rows.append(["Σ attributions − (f(input) − f(baseline))", String(format: "%.3g", delta)]) }
            if let error = a.completenessError?.first { rows.append(["completeness error", String(format: "%.4f%%", error * 100)]) }
            if let steps = a.steps { rows.append([result.method == .ig ? "integration steps" : "evaluations", "\(steps)"]) }
            doc.add(.table(header: ["quantity", "value"], rows: rows))
        }
        if let figure { doc.add(.figure(svg: figure.svg, caption: figure.caption)) }
        if let a = result.attribution, !result.featureNames.isEmpty {
            let values = a.example(0)
            let order = values.indices.sorted { abs(values[$0]) > abs(values[$1]) }
            doc.add(.table(header: ["feature", "value", "attribution"], rows: order.map { i in
                [result.featureNames[i], String(format: "%.6g", result.featureValues[i]), String(format: "%+.6g", values[i])]
            }))
        }
        if let c = result.counterfactual {
            let newName = result.classNames.indices.contains(c.search.newClass) ? result.classNames[c.search.newClass] : "\(c.search.newClass)"
            doc.add(.paragraph("Changing \(c.changes.count) feature(s) moves the prediction from \(result.classNames[c.search.originalClass]) to "
                + "\(newName) (probability " + String(format: "%.4f", c.search.newProbabilities[c.search.newClass]) + "); L1 distance "
                + String(format: "%.4f", c.search.distance) + " training standard deviations."))
            doc.add(.table(header: ["feature", "from", "to"], rows: c.changes.map {
                [$0.feature, String(format: "%.6g", $0.from), String(format: "%.6g", $0.to)]
            }))
        }
        return doc
    }
}

import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO

extension ExplainJob {
    /// Writes the JSON attributions, the pictures and the report page.
    func write(subject s: Subject, attribution: Attribution?, counterfactual: CounterfactualSummary?, predicted: Int,
               probabilities: [Double], settings: String, format: ReportFormat) throws -> ExplainResult {
        let o = options
        let prefix = o.outputPrefix
        let jsonURL = URL(fileURLWithPath: prefix.path + ".json")
        var pictures: [URL] = [], figure: (svg: String, caption: String)? = nil
        let targetName = attribution.map { className(s, $0.targets[0]) } ?? ""
        if let attribution {
            let values = attribution.example(0)
            if s.isImage {
                let dims = Array(s.input.shape.dropFirst())
                let (c, h, w) = dims.count == 3 ? (dims[0], dims[1], dims[2]) : (1, 1, values.count)
                let picture = AttributionImage(attribution: values, image: s.input.scalars, channels: c, height: h, width: w,
                                               title: "\(o.method.rawValue): \(targetName), \(s.exampleName)")
                let png = URL(fileURLWithPath: prefix.path + ".png"), svg = URL(fileURLWithPath: prefix.path + ".svg")
                try AtomicFile.write(Data(try picture.png()), to: png)
                let canvas = try picture.svg()
                try AtomicFile.write(Data(canvas.document.utf8), to: svg)
                pictures = [png, svg]
                figure = (canvas.element, "Input (grey) with the attribution laid over it: red raises the logit of \(targetName), blue "
                    + "lowers it; colour saturates at \(String(format: "%.3g", picture.scale)) (the largest values, holding 2% of the total |attribution|, saturate). "
                    + "Files: \(png.lastPathComponent), \(svg.lastPathComponent).")
            } else {
                let chart = AttributionBarChart(names: s.featureNames, values: values.map(Double.init), featureValues: s.featureValues,
                                                title: "\(o.method.rawValue): \(targetName.isEmpty ? "output" : targetName), \(s.exampleName)")
                let svg = URL(fileURLWithPath: prefix.path + ".svg")
                try AtomicFile.write(Data(chart.svg.document.utf8), to: svg)
                pictures = [svg]
                figure = (chart.svg.element, "The \(chart.top) features with the largest |attribution| (red: towards the explained "
                    + "output, blue: away). File: \(svg.lastPathComponent).")
            }
        }
        var json = jsonObject(subject: s, attribution: attribution, counterfactual: counterfactual, predicted: predicted,
                              probabilities: probabilities, settings: settings)
        json["pictures"] = pictures.map(\.path)
        json["report"] = o.reportURL.path
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        try AtomicFile.write(data, to: jsonURL)
        let result = ExplainResult(method: o.method, index: o.index, exampleName: s.exampleName, input: o.input?.url,
                                   modelDescription: s.modelDescription, datasetName: s.datasetName,
                                   label: s.label, predicted: predicted, classNames: s.classNames, probabilities: probabilities,
                                   attribution: attribution, featureNames: s.featureNames, featureValues: s.featureValues,
                                   counterfactual: counterfactual, jsonURL: jsonURL, pictureURLs: pictures, reportURL: o.reportURL,
                                   settings: settings)
        let page = ExplainReportPage(result: result, figure: figure)
        do { try AtomicFile.write(Data(format.render(page.document, title: page.title).utf8), to: o.reportURL) } catch {
            throw ReportError.writeFailed(path: o.reportURL.path, reason: "\(error)")
        }
        return result
    }

    func className(_ s: Subject, _ index: Int) -> String {
        s.classNames.indices.contains(index) ? s.classNames[index] : "output \(index)"
    }

    /// The attribution file: the settings, the prediction and every attribution ([C][H][W] nested
    /// for images, by feature name for tabular models).
    private func jsonObject(subject s: Subject, attribution: Attribution?, counterfactual: CounterfactualSummary?, predicted: Int,
                            probabilities: [Double], settings: String) -> [String: Any] {
        let o = options
        var json: [String: Any] = [
            "method": o.method.rawValue, "index": o.index, "dataset": s.datasetName, "model": s.modelDescription,
            "label": s.label ?? NSNull(), "example": s.exampleName, "settings": settings, "weights": o.weights.path,
        ]
        if let input = o.input { json["input"] = input.url.path }
        if !s.classNames.isEmpty {
            json["predicted"] = predicted
            json["predicted_class"] = s.classNames[predicted]
            json["probabilities"] = Dictionary(uniqueKeysWithValues: zip(s.classNames, probabilities))
        }
        if let a = attribution {
            json["target"] = a.targets[0]
            json["target_class"] = className(s, a.targets[0])
            json["output"] = a.outputs[0]
            json["baseline_output"] = a.baselineOutputs?.first ?? NSNull()
            json["convergence_delta"] = a.convergenceDelta?.first ?? NSNull()
            json["completeness_error"] = a.completenessError?.first ?? NSNull()
            json["steps"] = a.steps ?? NSNull()
            let values = a.example(0)
            if s.isImage {
                let dims = Array(s.input.shape.dropFirst())
                json["shape"] = dims
                json["attributions"] = nested(values.map(Double.init), dims: dims)
            } else {
                json["attributions"] = Dictionary(uniqueKeysWithValues: zip(s.featureNames, values.map(Double.init)))
                json["feature_values"] = Dictionary(uniqueKeysWithValues: zip(s.featureNames, s.featureValues))
            }
        }
        if let c = counterfactual {
            json["new_class"] = c.search.newClass
            json["new_class_name"] = className(s, c.search.newClass)
            json["new_probabilities"] = Dictionary(uniqueKeysWithValues: zip(s.classNames, c.search.newProbabilities))
            json["distance"] = c.search.distance
            json["changes"] = Dictionary(uniqueKeysWithValues: c.changes.map { ($0.feature, ["from": $0.from, "to": $0.to]) })
        }
        return json
    }

    private func nested(_ values: [Double], dims: [Int]) -> Any {
        guard dims.count > 1 else { return values }
        let inner = dims.dropFirst().reduce(1, *)
        return (0..<dims[0]).map { nested(Array(values[($0 * inner)..<(($0 + 1) * inner)]), dims: Array(dims.dropFirst())) }
    }
}

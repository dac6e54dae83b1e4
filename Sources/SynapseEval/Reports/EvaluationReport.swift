import Foundation
import SynapseCore
import SynapseIO

/// An evaluation report for a classifier: headline metrics, per-class scores, the confusion
/// matrix, calibration, ROC and precision-recall curves, and slice results with the worst slice
/// highlighted. Written as Markdown or as HTML with inline SVG plots, chosen by the file extension.
public struct EvaluationReport: Sendable {
    /// Report title.
    public var title: String
    /// Facts about the run shown under the title (dataset, model, weights file...), in order.
    public var details: [(name: String, value: String)]
    /// Class names, indexed by label.
    public var classNames: [String]
    /// Metrics over all examples.
    public var summary: ClassificationSummary
    /// One-vs-rest ROC curve of each class (nil for a class that has none).
    public var rocCurves: [ROCCurve?]
    /// One-vs-rest precision-recall curve of each class (nil for a class absent from the labels).
    public var precisionRecallCurves: [PrecisionRecallCurve?]
    /// Slice evaluations, each with its worst slice.
    public var slices: [ClassificationSlices]
    /// Simple models scored on the same examples (majority class, logistic regression), shown
    /// beside this model's figures; empty for none.
    public var baselines: [(name: String, summary: ClassificationSummary)] = []

    /// Builds the report from labels and predicted probabilities `[N, C]`.
    /// - Parameters:
    ///   - classNames: names by label; nil or too short falls back to the label numbers.
    ///   - slices: slice evaluations of the same predictions.
    /// - Throws: `MetricError` for inconsistent inputs.
    public init(title: String, details: [(name: String, value: String)] = [], classNames: [String]? = nil,
                labels: some LabelSequence, probabilities: some ScoreMatrix, slices: [ClassificationSlices] = []) throws(MetricError) {
        let t = try labels.metricLabels(metric: "evaluation report", argument: "labels")
        let rows = try probabilities.metricRows(metric: "evaluation report", argument: "probabilities")
        summary = try ClassificationSummary(labels: t, probabilities: rows)
        let classes = summary.classCount
        self.title = title
        self.details = details
        self.classNames = (0..<classes).map { c in classNames.flatMap { c < $0.count ? $0[c] : nil } ?? String(c) }
        var roc: [ROCCurve?] = [], pr: [PrecisionRecallCurve?] = []
        for c in 0..<classes {
            let column = rows.map { $0[c] }
            roc.append(summary.rocAUCPerClass[c] == nil ? nil : try ROCCurve(t, scores: column, positive: c))
            pr.append(summary.averagePrecisionPerClass[c] == nil ? nil : try PrecisionRecallCurve(t, scores: column, positive: c))
        }
        rocCurves = roc
        precisionRecallCurves = pr
        self.slices = slices
    }

    /// The report's content, format-neutral.
    public var document: ReportDocument {
        var doc = ReportDocument()
        doc.add(.heading(title, level: 1))
        if !details.isEmpty { doc.add(.table(header: ["", ""], rows: details.map { [$0.name, $0.value] })) }
        addMetrics(to: &doc)
        if !baselines.isEmpty { addBaselines(to: &doc) }
        addPerClass(to: &doc)
        addConfusion(to: &doc)
        addCurves(to: &doc)
        addCalibration(to: &doc)
        for slicing in slices { addSlices(slicing, to: &doc) }
        return doc
    }

    /// The report rendered in `format`.
    public func render(_ format: ReportFormat) -> String { format.render(document, title: title) }

    /// Writes the report to `url` atomically, as Markdown for `.md` and HTML for `.html`.
    /// - Throws: `ReportError.unsupportedFormat` for another extension, `ReportError.writeFailed`
    ///   when the file cannot be written.
    public func write(to url: URL) throws(ReportError) {
        let format = try ReportFormat(path: url.path)
        do {
            try AtomicFile.write(Data(render(format).utf8), to: url)
        } catch {
            throw .writeFailed(path: url.path, reason: "\(error)")
        }
    }

    // MARK: Sections

    private func addBaselines(to doc: inout ReportDocument) {
        let f = Self.format
        func row(_ name: String, _ s: ClassificationSummary) -> [String] {
            [name, f(s.accuracy), f(try? s.scores.f1Score(.macro)), f(s.logLoss), f(s.classCount == 2 ? s.rocAUCPerClass[1] : s.rocAUCMacro)]
        }
        doc.add(.heading("Baselines (same split)", level: 2))
        doc.add(.paragraph("Simple models fitted on the same training split and scored on the same examples: the network should "
                           + "beat them. Majority: the training split's class frequencies for every example. Logistic regression: "
                           + "L2-regularised (C = 1), fitted to convergence on the same preprocessed features."))
        doc.add(.table(header: ["model", "accuracy", "macro F1", "log loss", "ROC-AUC"],
                       rows: [row("this model", summary)] + baselines.map { row($0.name, $0.summary) }, highlighted: [0]))
    }

    private func addMetrics(to doc: inout ReportDocument) {
        let s = summary, f = Self.format
        doc.add(.heading("Metrics", level: 2))
        doc.add(.paragraph("\(s.count) examples, \(s.classCount) classes. Precision, recall and F1 count a zero division "
            + "(a class never predicted, or absent) as 0, as scikit-learn does by default."))
        var rows: [[String]] = [
            ["accuracy", f(s.accuracy)],
            ["top-\(s.topK) accuracy", f(s.topKAccuracy)],
        ]
        for (name, average) in [("macro", Averaging.macro), ("micro", .micro), ("weighted", .weighted)] {
            rows.append(["precision (\(name))", f(try? s.scores.precisionScore(average))])
            rows.append(["recall (\(name))", f(try? s.scores.recallScore(average))])
            rows.append(["F1 (\(name))", f(try? s.scores.f1Score(average))])
        }
        rows += [
            ["log loss", f(s.logLoss)],
            ["ROC-AUC (one-vs-rest, macro)", f(s.rocAUCMacro)],
            ["average precision (one-vs-rest, macro)", f(s.averagePrecisionMacro)],
            ["expected calibration error (\(s.calibration.bins.count) bins)", f(s.expectedCalibrationError)],
            ["maximum calibration error", f(s.calibration.maximumCalibrationError)],
        ]
        doc.add(.table(header: ["metric", "value"], rows: rows))
    }

    private func addPerClass(to doc: inout ReportDocument) {
        let s = summary, f = Self.format
        doc.add(.heading("Per class", level: 2))
        let rows = (0..<s.classCount).map { c in
            [classNames[c], f(s.scores.precision[c]), f(s.scores.recall[c]), f(s.scores.f1[c]), String(s.scores.support[c]),
             f(s.rocAUCPerClass[c]), f(s.averagePrecisionPerClass[c])]
        }
        doc.add(.table(header: ["class", "precision", "recall", "F1", "support", "ROC-AUC", "average precision"], rows: rows))
    }

    private func addConfusion(to doc: inout ReportDocument) {
        let m = summary.confusion
        doc.add(.heading("Confusion matrix", level: 2))
        doc.add(.paragraph("Rows are true classes, columns predicted classes (numbered as in the first column)."))
        let header = ["true \\ predicted"] + (0..<m.classCount).map(String.init)
        let rows = (0..<m.classCount).map { r in ["\(r) \(classNames[r])"] + m.counts[r].map(String.init) }
        doc.add(.table(header: header, rows: rows))
        doc.add(.figure(svg: Heatmap(confusion: m, classNames: classNames).canvas.element,
                        caption: "Confusion matrix (colour: fraction of the true class; text: counts)"))
    }

    private func addCurves(to doc: inout ReportDocument) {
        var roc: [LineChart.Series] = [], pr: [LineChart.Series] = []
        for c in 0..<summary.classCount {
            if let curve = rocCurves[c], let auc = summary.rocAUCPerClass[c] {
                roc.append(LineChart.Series(name: "\(classNames[c]) (\(Self.format(auc)))", points: curve.points).thinned(maxPoints: 300))
            }
            if let curve = precisionRecallCurves[c], let ap = summary.averagePrecisionPerClass[c] {
                pr.append(LineChart.Series(name: "\(classNames[c]) (\(Self.format(ap)))", points: curve.points).thinned(maxPoints: 300))
            }
        }
        guard !roc.isEmpty || !pr.isEmpty else { return }
        doc.add(.heading("ROC and precision-recall curves", level: 2))
        if !roc.isEmpty {
            roc.append(LineChart.Series(name: "chance", points: [(0, 0), (1, 1)], color: "#777", dashed: true))
            let chart = LineChart(title: "ROC curves (one-vs-rest)", xLabel: "false positive rate", yLabel: "true positive rate",
                                  series: roc, xRange: 0...1, yRange: 0...1, width: 700)
            doc.add(.figure(svg: chart.canvas.element, caption: "ROC curve of each class against the rest (legend: AUC)"))
        }
        if !pr.isEmpty {
            let chart = LineChart(title: "Precision-recall curves (one-vs-rest)", xLabel: "recall", yLabel: "precision",
                                  series: pr, xRange: 0...1, yRange: 0...1, width: 700)
            doc.add(.figure(svg: chart.canvas.element, caption: "Precision-recall curve of each class (legend: average precision)"))
        }
    }

    private func addCalibration(to doc: inout ReportDocument) {
        let c = summary.calibration, f = Self.format
        doc.add(.heading("Calibration", level: 2))
        doc.add(.paragraph("Confidence is the probability of the predicted class. Expected calibration error "
            + "\(f(c.expectedCalibrationError)); a bar below the diagonal means the model is over-confident there."))
        let rows = c.bins.map { bin in
            ["(\(Self.edge(bin.lower)), \(Self.edge(bin.upper))]", String(bin.count), f(bin.accuracy), f(bin.meanConfidence),
             bin.accuracy.flatMap { a in bin.meanConfidence.map { f(a - $0) } } ?? "–"]
        }
        doc.add(.table(header: ["confidence", "count", "accuracy", "mean confidence", "accuracy − confidence"], rows: rows))
        doc.add(.figure(svg: ReliabilityDiagram(calibration: c).canvas.element, caption: "Reliability diagram"))
    }

    private func addSlices(_ slicing: ClassificationSlices, to doc: inout ReportDocument) {
        let f = Self.format, metric = slicing.metric
        doc.add(.heading("Slices by \(slicing.name)", level: 2))
        let worst = slicing.worst
        let overall = metric.value(in: summary)
        if let worst {
            doc.add(.paragraph("Worst slice by \(metric.displayName): \(worst.key) with \(f(metric.value(in: worst.summary))) "
                + "on \(worst.count) examples (all examples: \(f(overall)))."))
        }
        let rows = slicing.slices.map { s in
            [s.key == worst?.key ? "\(s.key) (worst)" : s.key, String(s.count), f(s.summary.accuracy), f(s.summary.observedClassMacroF1), f(s.summary.logLoss),
             f(s.summary.expectedCalibrationError)]
        }
        let highlighted = Set(slicing.slices.indices.filter { slicing.slices[$0].key == worst?.key })
        doc.add(.paragraph("Macro F1 here averages over the classes that occur in the slice (labels or predictions)."))
        doc.add(.table(header: [slicing.name, "count", "accuracy", "macro F1", "log loss", "ECE"], rows: rows, highlighted: highlighted))
    }

    /// Four decimals, or an en dash for a value that is undefined.
    static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.4f", value)
    }

    private static func edge(_ value: Double) -> String { String(format: "%.1f", value) }
}

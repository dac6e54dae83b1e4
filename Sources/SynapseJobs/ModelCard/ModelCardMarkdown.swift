import Foundation

/// The Markdown form of a model card (`MODEL_CARD.md`), and the reading back of the sections people
/// write so that a regenerated card keeps them.
public enum ModelCardMarkdown {
    /// The card as Markdown.
    public static func render(_ card: ModelCard) -> String {
        var out: [String] = []
        func f(_ v: Double) -> String { String(format: "%.4g", v) }
        func table(_ header: [String], _ rows: [[String]]) {
            out.append("| " + header.joined(separator: " | ") + " |")
            out.append("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
            for row in rows { out.append("| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |") }
            out.append("")
        }
        let d = card.details
        out += ["# Model card: \(d.name)", "",
                "Written by Synapse \(d.synapseVersion) from the run's files; `synapse card --run DIR` regenerates it and keeps what "
                + "people wrote under *Limitations* and *Ethical considerations*.", "", "## Model details", ""]
        var detailRows = [["architecture", d.architecture], ["weights", d.weights]]
        if let p = d.parameters { detailRows.append(["parameters", String(p)]) }
        if let date = d.date { detailRows.append(["weights written", date]) }
        detailRows += d.training.map { line in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 ? parts : ["training", line]
        }
        table(["", ""], detailRows)
        out += ["## Intended use", "", card.intendedUse ?? "Not stated: give it with `synapse train --intended-use TEXT` (or the config key "
                + "`intended-use`), or `synapse card --run DIR --intended-use TEXT`.", ""]
        let t = card.trainingData
        out += ["## Training data", ""]
        var dataRows = [["dataset", t.dataset], ["source", t.source], ["split", t.split]]
        for key in ["train", "validation", "test"] { if let n = t.sizes[key] { dataRows.append(["\(key) examples", String(n)]) } }
        if let leakage = t.leakageCheck { dataRows.append(["leakage check", leakage]) }
        table(["", ""], dataRows)
        out += ["## Preprocessing", ""] + (card.preprocessing.isEmpty ? ["Not recorded."] : card.preprocessing.map { "- \($0)" }) + [""]
        out += ["## Metrics (test split)", ""]
        table(["metric", "value"], card.metrics.keys.sorted().map { [$0, f(card.metrics[$0]!)] })
        for s in card.slicings {
            out += ["### By \(s.name)" + (s.worst.map { " — worst slice: **\($0)**" } ?? ""), ""]
            table(["slice", "examples", s.metric + (s.higherIsBetter ? " (higher is better)" : " (lower is better)")],
                  s.slices.map { [$0.key == s.worst ? "**\($0.key)**" : $0.key, String($0.count), $0.value.map(f) ?? "–"] })
        }
        if card.slicings.isEmpty { out += ["Not evaluated by slice: slices are computed for the built-in image and tabular datasets.", ""] }
        out += ["## Calibration", ""]
        if let c = card.calibration {
            out.append("\(card.calibrationMethod ?? "calibrated") (`synapse calibrate`; applied by `synapse predict` and `serve`).")
            out.append("")
            table(["figure", "value"], c.keys.sorted().map { [$0, f(c[$0]!)] })
        } else {
            out += ["Not computed: run `synapse calibrate --weights \(d.weights)`.", ""]
        }
        out += ["## Robustness", ""]
        if let r = card.robustness {
            out.append(["attack", "norm"].compactMap { r.text[$0] }.joined(separator: " ") + " (`synapse robustness`)"
                       + (r.numbers["clean_accuracy"].map { "; clean accuracy \(f($0))" } ?? "") + ".")
            out.append("")
            if let robust = r.tables["robust_accuracy"] {
                table(["ε", "robust accuracy"], robust.keys.sorted { (Double($0) ?? 0) < (Double($1) ?? 0) }.map { [$0, f(robust[$0]!)] })
            }
        } else {
            out += ["Not computed: run `synapse robustness --weights \(d.weights)` (image classifiers).", ""]
        }
        out += ["## Out-of-distribution detection", ""]
        if let o = card.outOfDistribution {
            out.append("In-distribution: \(o.text["dataset"] ?? t.dataset); out-of-distribution: \(o.text["ood_dataset"] ?? "see the OOD report")"
                       + " (`synapse ood`).")
            out.append("")
            if let auroc = o.tables["auroc"] { table(["score", "AUROC"], auroc.keys.sorted().map { [$0, f(auroc[$0]!)] }) }
        } else {
            out += ["Not computed: run `synapse ood --weights \(d.weights)` (image classifiers).", ""]
        }
        out += ["## Baselines (same split)", ""]
        if card.baselines.isEmpty {
            out += ["None: baselines are fitted for the built-in tabular datasets (`synapse evaluate`).", ""]
        } else {
            let keys = Array(Set(card.baselines.flatMap { $0.metrics.keys })).sorted()
            table(["model"] + keys, [["network"] + keys.map { card.metrics[$0].map(f) ?? "–" }]
                  + card.baselines.map { b in [b.name] + keys.map { b.metrics[$0].map(f) ?? "–" } })
        }
        out += ["## Limitations", "", card.limitations, "", "## Ethical considerations", "", card.ethicalConsiderations, ""]
        let r = card.reproduce
        out += ["## Reproduce", "", "```", r.command, "```", "", "or `\(r.configCommand)`; written on \(r.machine), Synapse \(r.synapseVersion).", ""]
        return out.joined(separator: "\n")
    }

    /// The text under the last `## title` heading of a card (headings compared without surrounding
    /// spaces), up to the first of the `until` headings after it (or the end), or nil when the
    /// section is missing or still holds the placeholder. People's text may hold `## ` headings of
    /// its own: only the card's next headings end it.
    public static func section(_ title: String, in markdown: String, until: [String]) -> String? {
        let lines = markdown.components(separatedBy: "\n")
        let trimmed = lines.map { $0.trimmingCharacters(in: .whitespaces) }
        // The last such heading: the intended use (people's text too) comes before the sections.
        guard let start = trimmed.lastIndex(of: "## \(title)") else { return nil }
        let ends = Set(until.map { "## \($0)" })
        let end = trimmed[(start + 1)...].firstIndex { ends.contains($0) } ?? lines.endIndex
        let text = lines[(start + 1)..<end].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty || text == ModelCard.toFill ? nil : text
    }

    /// Whether the card has the heading `## title` (surrounding spaces ignored).
    public static func hasHeading(_ title: String, in markdown: String) -> Bool {
        markdown.components(separatedBy: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "## \(title)" }
    }
}

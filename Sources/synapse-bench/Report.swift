import Foundation

/// The benchmark spec's reference figures (AMD EPYC Zen 4, 2 cores) and goals for a measurement.
enum SpecFigures {
    /// PyTorch 2.15's figure from the spec for the same row ("raw oneDNN" for the raw sgemm rows),
    /// or "–" where the spec gives none.
    static func reference(for m: Measurement) -> String {
        let one = m.threads == 1
        switch (m.workload, m.metric) {
        case ("W1", _):
            guard let n = m["n"]?.number, n >= 1024 else { return "–" }
            if m["kernel"] == .string("dnnl_sgemm") { return one ? "110-114 (raw oneDNN)" : "220-227 (raw oneDNN)" }
            return one ? "100" : "185-198"
        case ("W1b", _): return one ? "210" : "414-421"
        case ("W2", "s/epoch"): return (one ? "2.53" : "1.6-2.0") + " (acc@5 0.878)"
        case ("W3", "s/epoch"): return (one ? "28.2-29.3" : "19-23") + " (acc@2 0.898)"
        case ("W4", "tokens/s"): return one ? "37k" : "61-70k"
        case ("W5", "tokens/s"): return (one ? "12k" : "17-18k") + " (val loss@500 1.835)"
        case ("W6", "p50_us"): return one ? "70 (p99 130)" : "–"
        case ("W6", "samples/s"): return one ? "89k" : "152-163k"
        case ("W11", _): return "run Benchmarks/reference/embed_minilm.py (same session)"
        case ("W12", _): return "run Benchmarks/reference/w12_ddp.py (same session)"
        default: return "–"
        }
    }

    /// The project's goal for the row, from the spec.
    static func goal(for m: Measurement) -> String {
        let one = m.threads == 1
        switch (m.workload, m.metric) {
        case ("W1", _): return m["kernel"] == .string("matmul") ? "≥ 95% of raw" : "–"
        case ("W2", "s/epoch"): return "≤ 0.6× PyTorch"
        case ("W3", "s/epoch"): return "≤ 0.65× PyTorch"
        case ("W4", "tokens/s"): return "≥ 1.1× PyTorch"
        case ("W5", "tokens/s"): return "≥ 1.25× PyTorch; val loss within 3% of 1.835"
        case ("W6", "p50_us"): return one ? "≤ 30" : "≤ 15"
        case ("W6", "samples/s"): return one ? "≥ ORT 99-103k" : "≥ ORT 165-194k"
        case ("W8", "int8-static samples/s"): return "≥ 2.5× f32 (2× at least)"
        case ("W8", "cnn int8-static samples/s"): return "≥ 2× f32"
        case ("W9", "W3 bf16 s/epoch"), ("W9", "W5 bf16 tokens/s"): return "≥ 1.6× f32"
        case ("W11", _): return m["batch"] == .int(1) ? "≥ 2× sentence-transformers" : "≥ 1.5× sentence-transformers"
        case ("W12", "samples/s"): return "2 ranks ≥ 1.85× 1 rank; ≥ 1.5× PyTorch DDP (Gloo)"
        case ("W12", "reduce GB/s"): return "≥ 95% of raw MPI_Allreduce"
        default: return "–"
        }
    }
}

/// The summary printed after all JSON lines: one row per measurement beside the spec's figures.
struct Report {
    /// The measurements, in the order they were taken.
    let measurements: [Measurement]

    /// The table as aligned plain text, under a separator line.
    var table: String {
        let header = ["workload", "threads", "metric", "value", "details", "PyTorch (spec)", "goal (spec)"]
        let rows = measurements.map { m in
            [m.workload, String(m.threads), m.metric, m.value.map(JSONValue.format) ?? "–",
             m.extras.map { "\($0.key)=\($0.value.text)" }.joined(separator: " "),
             SpecFigures.reference(for: m), SpecFigures.goal(for: m)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return (["", "==== synapse-bench summary ====", line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

private extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

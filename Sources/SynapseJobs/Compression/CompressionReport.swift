import Foundation
import SynapseCore
import SynapseEval
import SynapseIO
import SynapseNN

/// The report of a compression run: a Markdown page comparing the original and the compressed
/// model (size, parameters, sparsity, test metrics, speed per thread count, per-layer sparsity,
/// fine-tuning losses) and a JSON object with the same figures, whose keys
/// `accuracy_before`, `accuracy_after`, `size_ratio` and `throughput_ratio` are the CLI's contract.
public struct CompressionReport {
    /// The run's figures.
    public let result: CompressionResult
    /// The run's options (paths, method settings).
    public let options: CompressionOptions

    /// A report of `result`.
    public init(result: CompressionResult, options: CompressionOptions) {
        self.result = result
        self.options = options
    }

    private var dataset: String { result.dataset }
    private var model: String { result.model }

    /// Rounds to four decimals (fractions), keeping JSON lines short and stable.
    private static func r4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

    /// The headline figures as one JSON object (what `synapse compress` prints last).
    public var json: [String: Any] {
        let r = result, b = r.before, a = r.after
        var out: [String: Any] = [
            "method": r.method.rawValue, "details": r.summary, "dataset": dataset, "model": model,
            "accuracy_before": Self.r4(b.test.accuracy), "accuracy_after": Self.r4(a.test.accuracy),
            "macro_f1_before": Self.r4((try? b.test.scores.f1Score(.macro)) ?? 0), "macro_f1_after": Self.r4((try? a.test.scores.f1Score(.macro)) ?? 0),
            "log_loss_before": Self.r4(b.test.logLoss), "log_loss_after": Self.r4(a.test.logLoss),
            "bytes_before": b.bytesOnDisk, "bytes_after": a.bytesOnDisk, "size_ratio": Self.r4(r.sizeRatio),
            "parameters_before": b.parameterCount, "parameters_after": a.parameterCount,
            "sparsity_before": Self.r4(b.sparsity), "sparsity_after": Self.r4(a.sparsity),
            "threads": r.threads, "weights": r.weights.path, "report": options.report.path,
        ]
        if let t = r.throughputRatio { out["throughput_ratio"] = Self.r4(t) }
        if let alone = r.studentAlone {
            out["accuracy_student_alone"] = Self.r4(alone.accuracy)
            out["teacher"] = r.originalFile?.path ?? ""
        }
        out["speed"] = zip(b.speed, a.speed).map { before, after -> [String: Any] in
            ["threads": before.threads,
             "batch1_p50_ms_before": Self.r4(before.batch1P50Milliseconds), "batch1_p50_ms_after": Self.r4(after.batch1P50Milliseconds),
             "batch256_samples_per_s_before": before.batch256SamplesPerSecond.rounded(),
             "batch256_samples_per_s_after": after.batch256SamplesPerSecond.rounded(),
             "throughput_ratio": Self.r4(after.batch256SamplesPerSecond / before.batch256SamplesPerSecond)]
        }
        return out
    }

    /// The Markdown page.
    public var markdown: String {
        let r = result, b = r.before, a = r.after
        func pct(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }
        func ratio(_ x: Double) -> String { String(format: "%.2f×", x) }
        func f1(_ s: ClassificationSummary) -> Double { (try? s.scores.f1Score(.macro)) ?? .nan }
        let originalName = r.studentAlone == nil ? "original" : "teacher (\(r.originalModel))"
        let compressedName = r.studentAlone == nil ? "compressed" : "distilled student (\(model))"
        var md = """
        # Compression of \((r.originalFile ?? options.weights).lastPathComponent) (\(r.originalModel.isEmpty ? model : r.originalModel) on \(dataset))

        **Method:** \(r.method.rawValue): \(r.summary).

        Both models were measured in the same run on the test split (\(b.test.count) examples) and on this machine \
        (\(MachineDescription.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores).

        | | \(originalName) | \(compressedName) | compressed ÷ original |
        |---|---:|---:|---:|
        | size on disk | \(b.bytesOnDisk) B | \(a.bytesOnDisk) B | \(ratio(r.sizeRatio)) |
        | parameters | \(b.parameterCount) | \(a.parameterCount) | \(ratio(Double(a.parameterCount) / Double(max(b.parameterCount, 1)))) |
        | sparsity of Linear/Conv2d weights | \(pct(b.sparsity)) | \(pct(a.sparsity)) | |
        | test accuracy | \(pct(b.test.accuracy)) | \(pct(a.test.accuracy)) | \(String(format: "%+.2f points", (a.test.accuracy - b.test.accuracy) * 100)) |
        | test macro F1 | \(String(format: "%.4f", f1(b.test))) | \(String(format: "%.4f", f1(a.test))) | |
        | test log loss | \(String(format: "%.4f", b.test.logLoss)) | \(String(format: "%.4f", a.test.logLoss)) | |
        | test ECE | \(String(format: "%.4f", b.test.expectedCalibrationError)) | \(String(format: "%.4f", a.test.expectedCalibrationError)) | |

        """
        if let alone = r.studentAlone {
            md += "| test accuracy of the student trained alone (\(options.weights.lastPathComponent)) | | \(pct(alone.accuracy)) | "
                + "\(String(format: "%+.2f points from distillation", (a.test.accuracy - alone.accuracy) * 100)) |\n"
        }
        for (before, after) in zip(b.speed, a.speed) {
            md += "| batch-1 p50 latency, \(before.threads) thread(s) | \(String(format: "%.3f ms", before.batch1P50Milliseconds)) | "
                + "\(String(format: "%.3f ms", after.batch1P50Milliseconds)) | "
                + "\(ratio(before.batch1P50Milliseconds / after.batch1P50Milliseconds)) faster |\n"
            md += "| batch-256 throughput, \(before.threads) thread(s) | \(String(format: "%.0f/s", before.batch256SamplesPerSecond)) | "
                + "\(String(format: "%.0f/s", after.batch256SamplesPerSecond)) | "
                + "\(ratio(after.batch256SamplesPerSecond / before.batch256SamplesPerSecond)) |\n"
        }
        if b.speed.isEmpty { md += "\nSpeed was not measured (`--speed-seconds 0`).\n" }
        md += "\nSpeed: the best of three alternating rounds per model (median batch-1 latency, batch-256 throughput), "
            + "evaluation mode, no gradients. Unstructured sparsity keeps every multiply (dense kernels), so it saves "
            + "accuracy-neutral weights but not time; structured pruning shrinks the layers.\n"
        if r.method == .prune {
            md += "\n## Sparsity per layer\n\n| weight | original entries | original zeros | compressed entries | compressed zeros | sparsity |\n|---|---:|---:|---:|---:|---:|\n"
            let original = Dictionary(b.layers.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            for layer in a.layers {
                let o = original[layer.name]
                md += "| `\(layer.name)` | \(o.map { String($0.count) } ?? "–") | \(o.map { String($0.zeros) } ?? "–") | \(layer.count) | "
                    + "\(layer.zeros) | \(pct(layer.sparsity)) |\n"
            }
        }
        if !r.fineTuneLosses.allSatisfy(\.isEmpty) {
            switch r.method {
            case .prune: md += "\n## Fine-tuning\n\nMean training loss per epoch, per pruning round.\n\n| round | losses |\n|---|---|\n"
            case .int8QAT: md += "\n## Quantization-aware training\n\nMean training loss per epoch (fake-quantized model).\n\n| run | losses |\n|---|---|\n"
            default: md += "\n## Distillation\n\nMean training loss (distillation loss) per epoch.\n\n| run | losses |\n|---|---|\n"
            }
            for (i, losses) in r.fineTuneLosses.enumerated() {
                md += "| \(i + 1) | \(losses.map { String(format: "%.4f", $0) }.joined(separator: ", ")) |\n"
            }
        }
        md += "\n## Per-class accuracy on the test split\n\n| class | \(originalName) | \(compressedName) |\n|---|---:|---:|\n"
        for c in 0..<b.test.classCount {
            md += "| \(c) | \(pct(b.test.scores.recall[c])) | \(pct(a.test.scores.recall[c])) |\n"
        }
        return md
    }

    /// Writes the Markdown page to `options.report` and the JSON object to `options.jsonReport`,
    /// each atomically.
    public func write() throws {
        try AtomicFile.write(Data(markdown.utf8), to: options.report)
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted])
        try AtomicFile.write(data, to: options.jsonReport)
    }
}

import Foundation
import SynapseCore

/// A terminal progress bar with step count, loss, throughput and ETA.
///
/// On an interactive terminal it redraws one line in place; otherwise (logs, CI) it prints a plain
/// line about every 10% so logs stay readable.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let interactive: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastPlainDecile = -1
    private let output: FileHandle

    /// A bar for `total` steps written to `output` (standard error by default).
    public init(total: Int, label: String = "", output: FileHandle = .standardError, interactive: Bool? = nil) {
        self.total = max(total, 1)
        self.label = label
        self.output = output
        self.interactive = interactive ?? (isatty(output.fileDescriptor) == 1)
    }

    /// Reports that `step` steps are done; `metrics` are shown as `name value` pairs, `samples` is
    /// the number of examples processed so far (for throughput).
    public func update(step: Int, samples: Int, metrics: [(String, Double)] = []) {
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let done = step >= total
        if interactive {
            guard done || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            write("\r" + line(step: step, samples: samples, elapsed: elapsed, metrics: metrics, width: 24) + (done ? "\n" : ""))
        } else {
            let decile = step * 10 / total
            guard decile > lastPlainDecile else { return }
            lastPlainDecile = decile
            write(line(step: step, samples: samples, elapsed: elapsed, metrics: metrics, width: 0) + "\n")
        }
    }

    private func line(step: Int, samples: Int, elapsed: Double, metrics: [(String, Double)], width: Int) -> String {
        let fraction = Double(step) / Double(total)
        var s = label.isEmpty ? "" : label + " "
        if width > 0 {
            let filled = Int(fraction * Double(width))
            s += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
        }
        s += "\(step)/\(total)"
        for (name, value) in metrics { s += String(format: "  %@ %.4f", name, value) }
        let rate = elapsed > 0 ? Double(samples) / elapsed : 0
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        s += String(format: "  %.0f samples/s  ETA %@", rate, Self.duration(eta))
        return s
    }

    /// Formats seconds as m:ss.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ s: String) { output.write(Data(s.utf8)) }
}

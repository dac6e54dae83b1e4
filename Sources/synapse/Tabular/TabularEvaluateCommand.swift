import Foundation
import Synapse

extension EvaluateCommand {
    /// Evaluates tabular weights through `TabularEvaluationJob` and prints the metrics, ending with
    /// one JSON line.
    func runTabular(_ benchmark: TabularBenchmark) throws {
        let metrics = try TabularEvaluationJob(weights: URL(fileURLWithPath: weights), report: URL(fileURLWithPath: report),
                                               benchmark: benchmark).run()
        print("synapse evaluate: \(benchmark.rawValue) test split: "
              + metrics.keys.sorted().map { "\($0) " + String(format: "%.4f", metrics[$0]!) }.joined(separator: "  "))
        print("wrote report to \(report)")
        var json: [String: Any] = metrics.mapValues { ($0 * 10_000).rounded() / 10_000 }
        json["report"] = report
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

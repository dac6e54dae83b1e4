import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseJobs

/// Whether `relativePath` is installed among the Python packages.
private func installed(_ relativePath: String) -> Bool {
    (try? PythonPackageData.locate(relativePath, dataset: "", install: "")) != nil
}

extension RealDataSuite {
    /// The jobs behind `synapse train` / `synapse evaluate` on the real tabular datasets, run in
    /// process: the figures they reach, the files they leave, and that evaluation of the saved
    /// weights reproduces the training run's test metrics exactly.
    @Suite struct TabularPipelineTests {
        static func options(_ benchmark: TabularBenchmark, in dir: URL) -> TabularTrainingOptions {
            TabularTrainingOptions(benchmark: benchmark, output: dir.appendingPathComponent("\(benchmark.rawValue).safetensors"))
        }

        static func temporaryDirectory() throws -> URL {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-pipeline-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return dir
        }

        @Test(.enabled(if: installed("sklearn/datasets/data/breast_cancer.csv"), "scikit-learn is not installed"))
        func breastCancerClassifier() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var o = Self.options(.breastCancer, in: dir)
            o.logDirectory = dir.appendingPathComponent("logs")
            o.schedule = .cosine
            o.clipNorm = 1
            var lines: [String] = []
            let result = try TabularTrainingJob(options: o) { lines.append($0) }.run()
            let m = result.testMetrics
            print("breast cancer (test, \(result.splitSizes.test) rows): " + m.keys.sorted().map { "\($0) \(m[$0]!)" }.joined(separator: ", "))
            #expect(result.leakage.isClean && lines.first == "leakage check: clean")
            #expect(result.splitSizes.train + result.splitSizes.validation + result.splitSizes.test == 569)
            #expect(m["accuracy"]! >= 0.93)
            #expect(m["roc_auc"]! >= 0.97 && m["f1"]! >= 0.93 && m["log_loss"]! < 0.3)
            for key in ["precision", "recall", "macro_f1", "average_precision", "ece"] { #expect(m[key] != nil, "no \(key)") }
            // Logs: history, TensorBoard events, curves; and the preprocessing next to the weights.
            let logs = try FileManager.default.contentsOfDirectory(atPath: o.logDirectory!.path)
            for file in ["history.jsonl", "history.csv", "loss.svg", "metrics.svg"] { #expect(logs.contains(file), "no \(file)") }
            #expect(logs.contains { $0.hasPrefix("events.out.tfevents.") })
            let jsonl = try String(contentsOf: o.logDirectory!.appendingPathComponent("history.jsonl"), encoding: .utf8)
            #expect(jsonl.split(separator: "\n").count == result.history.records.count)
            let prep = try PipelinePreprocessing.load(from: result.preprocessing)
            #expect(prep.tabular?.trainingRows == result.splitSizes.train)   // fitted on training rows only

            let report = dir.appendingPathComponent("report.md")
            let evaluated = try TabularEvaluationJob(weights: result.weights, report: report, benchmark: .breastCancer).run()
            // The network's figures are the training run's; evaluate adds the baselines beside them.
            #expect(evaluated.filter { m[$0.key] != nil } == m)
            #expect(Set(evaluated.keys).subtracting(m.keys).allSatisfy { $0.hasPrefix("majority_") || $0.hasPrefix("logistic_regression_")
                                                                          || $0.hasPrefix("gradient_boosting_") })
            #expect(evaluated["logistic_regression_accuracy"]! > 0.9 && evaluated["gradient_boosting_accuracy"]! > 0.9)
            let md = try String(contentsOf: report, encoding: .utf8)
            for needle in ["## Metrics", "## Confusion matrix", "## Slices by true class", "## Slices by mean radius quartile", "malignant"] {
                #expect(md.contains(needle), "report lacks \(needle)")
            }
            // Weights of another dataset are refused by name.
            #expect(throws: PipelineError.self) { try TabularEvaluationJob(weights: result.weights, report: report, benchmark: .diabetes).run() }
        }

        @Test(.enabled(if: installed("sklearn/datasets/data/diabetes_target.csv.gz"), "scikit-learn is not installed"))
        func diabetesRegressor() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let result = try TabularTrainingJob(options: Self.options(.diabetes, in: dir)) { _ in }.run()
            let m = result.testMetrics
            print("diabetes (test, \(result.splitSizes.test) rows): " + m.keys.sorted().map { "\($0) \(m[$0]!)" }.joined(separator: ", "))
            #expect(m["r2"]! >= 0.35)
            #expect(m["mae"]! < m["training_mean_mae"]! && m["rmse"]! < m["training_mean_rmse"]!)
            #expect(m["mape"]! > 0)
            #expect(abs(m["mse"]! - m["rmse"]! * m["rmse"]!) < 1e-9 * m["mse"]!)
            let report = dir.appendingPathComponent("report.html")
            let evaluated = try TabularEvaluationJob(weights: result.weights, report: report).run()
            #expect(evaluated.filter { m[$0.key] != nil } == m && evaluated["gradient_boosting_rmse"]!.isFinite)
            let html = try String(contentsOf: report, encoding: .utf8)
            #expect(html.contains("Slices by target quartile") && html.contains("Slices by sex") && html.contains("(worst)"))
        }

        @Test(.enabled(if: installed("statsmodels/datasets/sunspots/sunspots.csv"), "statsmodels is not installed"))
        func sunspotsForecasterBeatsPersistence() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var o = Self.options(.sunspots, in: dir)
            o.schedule = .plateau
            let result = try TabularTrainingJob(options: o) { _ in }.run()
            let m = result.testMetrics
            print("sunspots (test, \(result.splitSizes.test) years): " + m.keys.sorted().map { "\($0) \(m[$0]!)" }.joined(separator: ", "))
            #expect(m["rmse"]! < m["persistence_rmse"]!)
            #expect(m["mae"]! < m["persistence_mae"]!)
            let report = dir.appendingPathComponent("report.html")
            let evaluated = try TabularEvaluationJob(weights: result.weights, report: report).run()
            #expect(evaluated.filter { m[$0.key] != nil } == m && evaluated["gradient_boosting_rmse"]!.isFinite)
            let html = try String(contentsOf: report, encoding: .utf8)
            #expect(html.contains("persistence") && html.contains("Slices by decade") && html.contains("<svg "))
        }

        @Test(.enabled(if: installed("sklearn/datasets/data/diabetes_target.csv.gz"), "scikit-learn is not installed"))
        func leakySplitIsRefused() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var o = Self.options(.diabetes, in: dir)
            // Row 0 in both training and test: the leakage check must stop the run before training.
            o.splitOverride = SplitIndices(train: Array(0..<300), validation: Array(300..<370), test: [0] + Array(370..<442))
            #expect {
                try TabularTrainingJob(options: o) { _ in }.run()
            } throws: { error in
                guard case PipelineError.leakySplit(let report) = error else { return false }
                return report.contains("train") && report.contains("test")
            }
            #expect(!FileManager.default.fileExists(atPath: o.output.path))
            // Bad options name the flag.
            o.splitOverride = nil
            o.hiddenSizes = [0]
            #expect(throws: PipelineError.invalidOption(name: "hidden", reason: "needs one or more positive widths, got [0]")) {
                try TabularTrainingJob(options: o) { _ in }.run()
            }
        }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseJobs

extension RealDataSuite {
    /// `synapse calibrate` on a real Fashion-MNIST MLP trained with a held-out validation split: the
    /// JSON contract, the calibration file beside the weights, `predict` and the server applying it,
    /// and its refusal once the weights change.
    @Suite struct CalibrateCLITests {
        static var available: Bool { CompressCLITests.available }

        /// Probabilities per example from a `predict --output` JSONL file.
        static func probabilities(_ url: URL) throws -> [[Double]] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let p = try #require(object["probabilities"] as? [String: Double])
                return FashionMNIST.classNames.map { p[$0] ?? .nan }
            }
        }

        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func calibratingAFashionMNISTModel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                                                             "--threads", "1", "--no-progress", "--hold-out-validation",
                                                             "--output", "mlp.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(output.contains("54000 train / 6000 validation / 10000 test"), "\(output)")
            let weights = dir.appendingPathComponent("mlp.safetensors")
            #expect(try SafeTensors.load(from: weights).metadata["validation_split"] == "last-10%-of-train")

            // Three test images as pixel arrays, predicted before calibration.
            let (_, test) = try FashionMNIST.loadSplits()
            let rows = (0..<3).map { i in test.features.scalars[(i * 784)..<((i + 1) * 784)].map { Int(($0 * 255).rounded()) } }
            try JSONSerialization.data(withJSONObject: rows).write(to: dir.appendingPathComponent("images.json"))
            (status, output) = try CompressCLITests.run(["predict", "--weights", "mlp.safetensors", "--input", "images.json",
                                                         "--output", "before.jsonl"], in: dir)
            try #require(status == 0, "\(output)")

            (status, output) = try CompressCLITests.run(["calibrate", "--weights", "mlp.safetensors", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let t = try #require(result["temperature"] as? Double, "\(result)")
            let eceBefore = try #require(result["ece_before"] as? Double), eceAfter = try #require(result["ece_after"] as? Double)
            let nllBefore = try #require(result["nll_before"] as? Double), nllAfter = try #require(result["nll_after"] as? Double)
            #expect(t > 0.3 && t < 5 && result["validation_held_out"] as? Bool == true, "\(result)")
            #expect(eceAfter <= eceBefore + 0.005 && nllAfter <= nllBefore + 0.001, "the test split is no worse calibrated: \(result)")
            #expect(result["accuracy_before"] as? Double == result["accuracy_after"] as? Double)
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("mlp.calibration.json").path))
            let report = try String(contentsOf: dir.appendingPathComponent("mlp.calibration.html"), encoding: .utf8)
            #expect(report.contains("<svg") && report.contains("Reliability"))

            // predict now returns softmax(z / T): the same classes, probabilities log-linearly rescaled.
            (status, output) = try CompressCLITests.run(["predict", "--weights", "mlp.safetensors", "--input", "images.json",
                                                         "--output", "after.jsonl"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(output.contains("calibrated (temperature scaling"), "\(output)")
            let before = try Self.probabilities(dir.appendingPathComponent("before.jsonl"))
            let after = try Self.probabilities(dir.appendingPathComponent("after.jsonl"))
            let fileT = try CalibrationFile.load(from: dir.appendingPathComponent("mlp.calibration.json")).calibration.temperature
            for (b, a) in zip(before, after) {
                let expected = LogitCalibration.softmax(b.map { Foundation.log($0) / fileT })
                for (x, y) in zip(a, expected) { #expect(abs(x - y) < 1e-6, "\(a) vs \(expected)") }
            }
            // The server loads the same calibration.
            let predictor = try #require(try PredictionJob(weights: weights).loadPredictor() as? ImagePredictor)
            let served = ImageServable(predictor).predict(rows: rows.flatMap { $0.map { Float($0) / 255 } }, count: 3)
            for (s, a) in zip(served, after) {
                for (x, y) in zip(s.probabilities, a) { #expect(abs(x - y) < 1e-6) }
            }

            // Other weights under the same name: the calibration is refused, not silently applied.
            let model: Module = predictor.model
            try model.save(to: weights, metadata: try SafeTensors.load(from: weights).metadata.merging(["note": "changed"]) { _, b in b })
            (status, output) = try CompressCLITests.run(["predict", "--weights", "mlp.safetensors", "--input", "images.json",
                                                         "--output", "stale.jsonl"], in: dir)
            #expect(status != 0 && output.contains("fitted for other weights"), "\(output)")
            (status, output) = try CompressCLITests.run(["calibrate", "--weights", "mlp.safetensors", "--bins", "1"], in: dir)
            #expect(status != 0 && output.contains("--bins"), "\(output)")
        }

        static var breastCancerAvailable: Bool {
            FileManager.default.isExecutableFile(atPath: TrainResumeCLITests.tool.path)
                && (try? PythonPackageData.locate("sklearn/datasets/data/breast_cancer.csv", dataset: "", install: "")) != nil
        }

        /// A tabular classifier is calibrated on its own run's validation split, and `predict` (and
        /// the server, through the same predictor) applies it.
        @Test(.enabled(if: breastCancerAvailable, "needs the built synapse tool and scikit-learn's breast cancer data"))
        func calibratingABreastCancerModel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            // Five epochs: the model still errs on a few validation rows (a perfect one is refused, below).
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "breast-cancer", "--epochs", "5", "--threads", "1",
                                                             "--no-progress", "--output", "bc.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["calibrate", "--weights", "bc.safetensors", "--report", "bc.md"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let t = try #require(result["temperature"] as? Double, "\(result)")
            #expect(t > 0.05 && t < 20 && result["dataset"] as? String == "breast-cancer" && result["validation_held_out"] as? Bool == true,
                    "\(result)")
            #expect(result["accuracy_before"] as? Double == result["accuracy_after"] as? Double)
            #expect(output.contains("validation split") && output.contains("the training run's"), "\(output)")
            let report = try String(contentsOf: dir.appendingPathComponent("bc.md"), encoding: .utf8)
            #expect(report.contains("breast-cancer validation split of the training run"))
            let weights = dir.appendingPathComponent("bc.safetensors")
            let file = try CalibrationFile.load(from: CalibrationFile.url(forWeights: weights))
            let predictor = try #require(try PredictionJob(weights: weights).loadPredictor() as? TabularPredictor)
            #expect(predictor.calibration == file.calibration && predictor.modelDescription.contains("calibrated"))
            // evaluate puts the baselines beside the network, on the same split.
            (status, output) = try CompressCLITests.run(["evaluate", "--dataset", "breast-cancer", "--weights", "bc.safetensors",
                                                         "--report", "eval.md"], in: dir)
            try #require(status == 0, "\(output)")
            let evaluation = try CLIRunOutputsTests.result(output)
            let network = try #require(evaluation["accuracy"] as? Double, "\(evaluation)")
            let majority = try #require(evaluation["majority_accuracy"] as? Double, "\(evaluation)")
            let logistic = try #require(evaluation["logistic_regression_accuracy"] as? Double, "\(evaluation)")
            #expect(majority > 0.55 && majority < 0.7 && logistic > 0.92 && network > majority + 0.2, "\(evaluation)")
            let boosted = try #require(evaluation["gradient_boosting_accuracy"] as? Double, "\(evaluation)")
            #expect(boosted > 0.88 && evaluation["logistic_regression_log_loss"] is Double && evaluation["majority_roc_auc"] is Double)
            let evalReport = try String(contentsOf: dir.appendingPathComponent("eval.md"), encoding: .utf8)
            #expect(evalReport.contains("Baselines (same split)") && evalReport.contains("| logistic regression |")
                    && evalReport.contains("| gradient boosting |"))
            // A model without a single validation error cannot be calibrated: refused, nothing written.
            (status, output) = try CompressCLITests.run(["train", "--dataset", "breast-cancer", "--epochs", "30", "--threads", "1",
                                                         "--no-progress", "--output", "perfect.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["calibrate", "--weights", "perfect.safetensors"], in: dir)
            #expect(status != 0 && output.contains("calibration is undefined"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("perfect.calibration.json").path))
            // An image dataset named for tabular weights is refused.
            (status, output) = try CompressCLITests.run(["calibrate", "--weights", "bc.safetensors", "--dataset", "mnist"], in: dir)
            #expect(status != 0, "\(output)")
        }
    }
}

import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `synapse ood` on a real Fashion-MNIST MLP with MNIST, noise and flipped images as
    /// out-of-distribution: the JSON contract, thresholds that accept the target rate of new
    /// in-distribution images, the report and the escalate list, a model without penultimate
    /// features (ONNX), and refusals.
    @Suite struct OODCLITests {
        static var available: Bool { CompressCLITests.available && MNIST.isInstalled() }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and MNIST (scripts/prepare-mnist.sh)"))
        func detectingMNISTAgainstAFashionMNISTModel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                                                             "--threads", "1", "--no-progress", "--hold-out-validation",
                                                             "--output", "mlp.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["ood", "--weights", "mlp.safetensors", "--ood-dataset", "mnist", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let auroc = try #require(result["auroc"] as? [String: Double], "\(result)")
            #expect(Set(auroc.keys) == ["msp", "energy", "mahalanobis"], "\(result)")
            for key in ["aupr_in", "aupr_out", "fpr_at_95_tpr", "auroc_noise", "auroc_flipped", "fpr_at_95_tpr_noise", "aurc", "test_accepted"] {
                let values = try #require(result[key] as? [String: Double], "\(key): \(result)")
                #expect(values.count == 3 && values.values.allSatisfy { (0...1).contains($0) }, "\(key): \(values)")
            }
            // MNIST digits are far from clothes for every score; uniform noise is obvious to the
            // Mahalanobis score (an MLP's softmax is famously overconfident on it).
            #expect(auroc.values.allSatisfy { $0 > 0.7 }, "\(auroc)")
            let noise = try #require(result["auroc_noise"] as? [String: Double])
            #expect(noise["mahalanobis"]! > 0.9, "\(noise)")
            // Thresholds chosen on the validation split accept about 95% of the unseen test split.
            let accepted = try #require(result["test_accepted"] as? [String: Double])
            #expect(accepted.values.allSatisfy { abs($0 - 0.95) < 0.02 }, "\(accepted)")
            let coverage = try #require(result["coverage"] as? Double), risk = try #require(result["selective_risk"] as? Double)
            let accuracy = try #require(result["test_accuracy"] as? Double)
            #expect(abs(coverage - accepted["msp"]!) < 1e-4 && risk < 1 - accuracy, "abstaining lowers the error rate: \(result)")
            let escalated = try #require(result["escalated"] as? Int)
            let csv = try String(contentsOf: dir.appendingPathComponent("mlp.escalate.csv"), encoding: .utf8)
            let lines = csv.split(separator: "\n")
            #expect(lines.first == "index,true_class,predicted_class,msp_score" && lines.count == escalated + 1)
            #expect(abs(Double(escalated) / 10_000 - (1 - coverage)) < 1e-4)
            let report = try String(contentsOf: dir.appendingPathComponent("mlp.ood.html"), encoding: .utf8)
            #expect(report.contains("<svg") && report.contains("Escalate list") && report.contains("Risk-coverage"))
            // The evaluation report links the OOD page.
            (status, output) = try CompressCLITests.run(["evaluate", "--weights", "mlp.safetensors", "--report", "eval.md", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try String(contentsOf: dir.appendingPathComponent("eval.md"), encoding: .utf8).contains("mlp.ood.html"))

            // An ONNX graph has no penultimate features to offer: MSP and energy only, said so.
            (status, output) = try CompressCLITests.run(["export", "--weights", "mlp.safetensors", "--format", "onnx",
                                                         "--output", "mlp.onnx"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["ood", "--weights", "mlp.onnx", "--dataset", "fashion-mnist",
                                                         "--extra-ood", "none", "--abstain-threshold", "0.9", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            let onnx = try CLIRunOutputsTests.result(output)
            let onnxAUROC = try #require(onnx["auroc"] as? [String: Double])
            #expect(Set(onnxAUROC.keys) == ["msp", "energy"] && output.contains("no Mahalanobis score"), "\(output)")
            #expect(abs(onnxAUROC["msp"]! - auroc["msp"]!) < 1e-3, "the same network scores the same: \(onnxAUROC) vs \(auroc)")
            // A fixed confidence threshold: abstain below an MSP of 0.9, more often than at the 95%-TPR threshold.
            let fixedCoverage = try #require(onnx["coverage"] as? Double)
            #expect(onnx["abstain_threshold"] as? Double == 0.9 && fixedCoverage < coverage, "\(onnx)")

            // Refusals, before any work.
            for (arguments, message) in [(["--ood-dataset", "fashion-mnist"], "in-distribution dataset"), (["--tpr", "1.5"], "--tpr"),
                                         (["--extra-ood", "cifar"], "unknown set"), (["--energy-temperature", "0"], "--energy-temperature"),
                                         (["--abstain-score", "entropy"], "abstain-score")] {
                (status, output) = try CompressCLITests.run(["ood", "--weights", "mlp.safetensors"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
        }
    }
}

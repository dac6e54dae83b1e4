import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `synapse train --adversarial` and `synapse robustness` on real Fashion-MNIST MLPs: the JSON
    /// contract, an adversarially trained model more robust than a normally trained one on the same
    /// images, the metadata and the report, and refusals.
    @Suite struct RobustnessCLITests {
        static var available: Bool { CompressCLITests.available }

        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func normalAgainstAdversarialTraining() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = ["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1", "--threads", "1", "--no-progress"]
            var (status, output) = try CompressCLITests.run(common + ["--output", "normal.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(common + ["--adversarial", "fgsm", "--adversarial-eps", "0.1",
                                                                  "--output", "robust.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(output.contains("adversarial training: FGSM L∞, ε = 0.1, random start"), "\(output)")
            let recorded = try SafeTensors.load(from: dir.appendingPathComponent("robust.safetensors")).metadata["adversarial_training"]
            #expect(recorded?.hasPrefix("FGSM L∞, ε = 0.1") == true, "\(recorded ?? "none")")

            (status, output) = try CompressCLITests.run(["robustness", "--weights", "normal.safetensors", "--compare", "robust.safetensors",
                                                         "--attack", "pgd", "--eps", "0.05,0.1", "--steps", "10", "--limit", "500",
                                                         "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let clean = try #require(result["clean_accuracy"] as? Double, "\(result)")
            let normal = try #require(result["robust_accuracy"] as? [String: Double], "\(result)")
            let robust = try #require(result["compare_robust_accuracy"] as? [String: Double], "\(result)")
            #expect(Set(normal.keys) == ["0.05", "0.1"] && result["examples"] as? Int == 500 && result["steps"] as? Int == 10)
            #expect(clean > 0.75 && normal["0.05"]! < clean && normal["0.1"]! <= normal["0.05"]!, "\(result)")
            #expect(robust["0.1"]! > normal["0.1"]! + 0.2, "adversarial training pays: \(robust) vs \(normal)")
            let report = try String(contentsOf: dir.appendingPathComponent("normal.robustness.html"), encoding: .utf8)
            #expect(report.contains("<svg") && report.contains("Side by side") && report.contains("adversarial training: FGSM"))

            // FGSM is no stronger than PGD on the same images.
            (status, output) = try CompressCLITests.run(["robustness", "--weights", "normal.safetensors", "--attack", "fgsm",
                                                         "--eps", "0.05,0.1", "--limit", "500", "--report", "fgsm.md"], in: dir)
            try #require(status == 0, "\(output)")
            let fgsm = try #require(try CLIRunOutputsTests.result(output)["robust_accuracy"] as? [String: Double])
            #expect(fgsm["0.05"]! >= normal["0.05"]! && fgsm["0.1"]! >= normal["0.1"]!, "FGSM \(fgsm) vs PGD \(normal)")

            // An ONNX export runs on the same differentiable ops: attacked like the weights it came from.
            (status, output) = try CompressCLITests.run(["export", "--weights", "normal.safetensors", "--format", "onnx",
                                                         "--output", "normal.onnx"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["robustness", "--weights", "normal.onnx", "--dataset", "fashion-mnist",
                                                         "--attack", "fgsm", "--eps", "0.05,0.1", "--limit", "500"], in: dir)
            try #require(status == 0, "\(output)")
            let onnx = try #require(try CLIRunOutputsTests.result(output)["robust_accuracy"] as? [String: Double])
            #expect(abs(onnx["0.05"]! - fgsm["0.05"]!) <= 0.004 && abs(onnx["0.1"]! - fgsm["0.1"]!) <= 0.004, "ONNX \(onnx) vs \(fgsm)")

            // The evaluation report links the robustness page.
            (status, output) = try CompressCLITests.run(["evaluate", "--weights", "normal.safetensors", "--report", "eval.md"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try String(contentsOf: dir.appendingPathComponent("eval.md"), encoding: .utf8).contains("normal.robustness.html"))

            // Refusals, before any work.
            for (arguments, message) in [(["robustness", "--weights", "normal.safetensors", "--eps", "0.1,abc"], "--eps"),
                                         (["robustness", "--weights", "normal.safetensors", "--attack", "fgsm", "--steps", "5"], "apply to --attack pgd"),
                                         (["robustness", "--weights", "normal.safetensors", "--compare", "missing.safetensors"], "file not found"),
                                         (["robustness", "--weights", "normal.safetensors", "--norm", "l1"], "norm"),
                                         (common + ["--adversarial-eps", "0.1"], "need --adversarial"),
                                         (common + ["--adversarial", "fgsm", "--adversarial-steps", "3"], "--adversarial pgd"),
                                         (common + ["--adversarial", "pgd", "--adversarial-mix", "2"], "mixing")] {
                (status, output) = try CompressCLITests.run(arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
        }
    }
}

import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `synapse compress --method prune` on a real Fashion-MNIST MLP: the JSON contract, a smaller
    /// and faster model after structured pruning that `evaluate` reads like any other, exact
    /// sparsity after unstructured pruning, and refusals of bad input before any work.
    @Suite struct CompressCLITests {
        static var available: Bool {
            FileManager.default.isExecutableFile(atPath: TrainResumeCLITests.tool.path) && FashionMNIST.isInstalled()
        }

        static func run(_ arguments: [String], in dir: URL) throws -> (Int32, String) {
            let (status, _, output) = try CLIRunOutputsTests.run(arguments, in: dir)
            return (status, output)
        }

        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func pruningAFashionMNISTModel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try Self.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1", "--threads", "1",
                                                 "--no-progress", "--output", "mlp.safetensors"], in: dir)
            try #require(status == 0, "\(output)")

            // Structured: half the hidden neurons go, one fine-tuning epoch, a quick speed check.
            (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", "prune", "--structured",
                                             "--amount", "0.5", "--output", "small.safetensors", "--threads", "1",
                                             "--speed-seconds", "0.05"], in: dir)
            try #require(status == 0, "\(output)")
            let structured = try CLIRunOutputsTests.result(output)
            let before = try #require(structured["accuracy_before"] as? Double), after = try #require(structured["accuracy_after"] as? Double)
            #expect(before > 0.75 && after > before - 0.02, "\(structured)")
            let sizeRatio = try #require(structured["size_ratio"] as? Double)
            #expect(sizeRatio > 0.4 && sizeRatio < 0.5, "784·256 + 256·128 + 128·10 of 784·512 + 512·256 + 256·10 weights: \(structured)")
            #expect(structured["parameters_after"] as? Int == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10)
            #expect((structured["throughput_ratio"] as? Double ?? 0) > 1, "\(structured)")
            let report = try String(contentsOf: dir.appendingPathComponent("small.compression.md"), encoding: .utf8)
            #expect(report.contains("widths [512, 256] → [256, 128]") && report.contains("batch-256 throughput, 1 thread(s)"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("small.compression.json").path))

            // The pruned file is an ordinary model: evaluate rebuilds it from its metadata.
            (status, output) = try Self.run(["evaluate", "--weights", "small.safetensors", "--report", "small.md", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try CLIRunOutputsTests.result(output)["accuracy"] as? Double == after)

            // Unstructured, global, no fine-tuning: exactly the asked share of the weights is zero.
            (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", "prune", "--amount", "0.8",
                                             "--scope", "global", "--fine-tune-epochs", "0", "--speed-seconds", "0",
                                             "--output", "sparse.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            let sparse = try CLIRunOutputsTests.result(output)
            #expect(sparse["sparsity_before"] as? Double == 0 && sparse["sparsity_after"] as? Double == 0.8, "\(sparse)")
            #expect(sparse["throughput_ratio"] == nil && sparse["parameters_after"] as? Int == sparse["parameters_before"] as? Int)

            // Refused before any work, with the reason.
            let refusals: [([String], String)] = [
                (["--amount", "1", "--output", "x.safetensors"], "--amount"),
                (["--output", "mlp.safetensors"], "--output"),
                (["--output", "small.safetensors"], "already exists"),
                (["--structured", "--scope", "global", "--output", "y.safetensors"], "--scope"),
                (["--temperature", "2", "--output", "y.safetensors"], "--temperature does not apply to --method prune"),
                (["--output", "r.json", "--report", "r.md"], "must differ from --output"),
            ]
            for (arguments, message) in refusals {
                (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", "prune"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            // Distillation: a narrow student (--hidden) trained alone, then again from the same seed
            // under the first model as teacher.
            (status, output) = try Self.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--hidden", "16", "--epochs", "1",
                                             "--threads", "1", "--no-progress", "--output", "student.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try Self.run(["compress", "--weights", "student.safetensors", "--method", "distill", "--teacher",
                                             "mlp.safetensors", "--temperature", "3", "--alpha", "0.7", "--speed-seconds", "0",
                                             "--threads", "1", "--output", "distilled.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            let distilled = try CLIRunOutputsTests.result(output)
            #expect(distilled["accuracy_before"] as? Double == before, "the teacher is the uncompressed model: \(distilled)")
            #expect((distilled["accuracy_student_alone"] as? Double ?? 0) > 0.7 && (distilled["accuracy_after"] as? Double ?? 0) > 0.7)
            #expect((distilled["size_ratio"] as? Double ?? 1) < 0.05, "\(distilled)")
            #expect(distilled["parameters_after"] as? Int == 784 * 16 + 16 + 16 * 10 + 10)
            // The distilled file describes its own training, not the student-alone run's.
            let distilledMeta = try SafeTensors.load(from: dir.appendingPathComponent("distilled.safetensors")).metadata
            #expect(distilledMeta["epochs"] == "1" && distilledMeta["distillation_temperature"] == "3.0"
                    && distilledMeta["compression"] == "distill" && distilledMeta["hidden"] == "16", "\(distilledMeta)")
            let distilledReport = try String(contentsOf: dir.appendingPathComponent("distilled.compression.md"), encoding: .utf8)
            #expect(distilledReport.contains("test accuracy of the student trained alone") && distilledReport.contains("temperature 3"))
            (status, output) = try Self.run(["compress", "--weights", "student.safetensors", "--method", "distill", "--output", "d2.safetensors"],
                                            in: dir)
            #expect(status != 0 && output.contains("--teacher"), "\(output)")
            (status, output) = try Self.run(["compress", "--weights", "student.safetensors", "--method", "distill", "--teacher", "mlp.safetensors",
                                             "--structured", "--amount", "0.3", "--output", "d3.safetensors"], in: dir)
            #expect(status != 0 && output.contains("--amount, --structured do not apply to --method distill"), "\(output)")

            try Data("not a safetensors file".utf8).write(to: dir.appendingPathComponent("bad.safetensors"))
            (status, output) = try Self.run(["compress", "--weights", "bad.safetensors", "--method", "prune", "--output", "z.safetensors"], in: dir)
            #expect(status != 0 && output.contains("cannot read the weights"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("z.safetensors").path))
        }

        /// `--method int8-static` and `int8-dynamic` on a real model: accuracy kept, a quarter of
        /// the size, an int8 file that `evaluate` loads as int8 and scores as the report did.
        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func quantizingAFashionMNISTModel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try Self.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1", "--threads", "1",
                                                 "--no-progress", "--output", "mlp.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            for (method, extra) in [("int8-static", ["--calibration", "percentile", "--calibration-samples", "500"]), ("int8-dynamic", []),
                                    ("int8-qat", ["--fine-tune-epochs", "1"])] {
                let name = "\(method).safetensors"
                (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", method, "--output", name,
                                                 "--threads", "1", "--speed-seconds", "0.05"] + extra, in: dir)
                try #require(status == 0, "\(output)")
                let result = try CLIRunOutputsTests.result(output)
                let before = try #require(result["accuracy_before"] as? Double), after = try #require(result["accuracy_after"] as? Double)
                // QAT also trains one more epoch, which may raise the accuracy of this 1-epoch model.
                #expect(before > 0.75 && (method == "int8-qat" ? after > before - 0.01 : abs(after - before) < 0.01), "\(method): \(result)")
                let sizeRatio = try #require(result["size_ratio"] as? Double)
                #expect(sizeRatio > 0.24 && sizeRatio < 0.3, "int8 weights and per-channel scales: \(result)")
                #expect(result["throughput_ratio"] as? Double != nil)
                let meta = try SafeTensors.load(from: dir.appendingPathComponent(name)).metadata
                #expect(meta["quantization"] == method && meta["compression"] == method, "\(meta)")
                if method == "int8-static" {
                    #expect(meta["calibration"] == "percentile" && meta["calibration_samples"] == "500", "\(meta)")
                }
                (status, output) = try Self.run(["evaluate", "--weights", name, "--report", "\(method).md", "--threads", "1"], in: dir)
                try #require(status == 0, "\(output)")
                #expect(try CLIRunOutputsTests.result(output)["accuracy"] as? Double == after, "evaluate scores the int8 model as compress did")
            }
            let refusals: [([String], String)] = [
                (["--method", "int8-dynamic", "--calibration", "entropy", "--output", "a.safetensors"], "--calibration does not apply"),
                (["--method", "int8-static", "--amount", "0.5", "--output", "b.safetensors"], "--amount does not apply"),
                (["--method", "int8-static", "--calibration-samples", "0", "--output", "c.safetensors"], "--calibration-samples"),
                (["--method", "int8-static", "--calibration", "kl", "--output", "d.safetensors"], "kl"),
                (["--method", "int8-qat", "--fine-tune-epochs", "0", "--output", "e.safetensors"], "at least 1 epoch"),
                (["--method", "int8-qat", "--calibration", "entropy", "--output", "f.safetensors"], "--calibration does not apply"),
            ]
            for (arguments, message) in refusals {
                (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
        }

        /// `synapse train --precision bf16` trains under bf16 autocast, and `compress --method bf16`
        /// writes a half-size model that `evaluate` scores as compress did.
        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func bfloat16TrainingAndCompression() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try Self.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1", "--threads", "1",
                                                 "--no-progress", "--precision", "bf16", "--output", "mlp.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            let trained = try CLIRunOutputsTests.result(output)
            #expect(trained["precision"] as? String == "bf16" && (trained["test_accuracy"] as? Double ?? 0) > 0.75, "\(trained)")
            #expect(try SafeTensors.load(from: dir.appendingPathComponent("mlp.safetensors")).metadata["training_precision"] == "bfloat16")
            (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", "bf16", "--output", "bf16.safetensors",
                                             "--threads", "1", "--speed-seconds", "0.05"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let before = try #require(result["accuracy_before"] as? Double), after = try #require(result["accuracy_after"] as? Double)
            #expect(abs(after - before) < 0.01, "\(result)")
            let sizeRatio = try #require(result["size_ratio"] as? Double)
            #expect(sizeRatio > 0.49 && sizeRatio < 0.52, "bf16 weights: \(result)")
            let archive = try SafeTensors.load(from: dir.appendingPathComponent("bf16.safetensors"))
            #expect(archive.metadata["precision"] == "bfloat16" && archive.metadata["compression"] == "bf16", "\(archive.metadata)")
            #expect(archive.entries.values.allSatisfy { $0.dtype == .bf16 })
            (status, output) = try Self.run(["evaluate", "--weights", "bf16.safetensors", "--report", "bf16.md", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try CLIRunOutputsTests.result(output)["accuracy"] as? Double == after, "evaluate runs the bf16 layers as compress did")
            (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", "bf16", "--amount", "0.5",
                                             "--output", "x.safetensors"], in: dir)
            #expect(status != 0 && output.contains("--amount does not apply"), "\(output)")
            (status, output) = try Self.run(["train", "--dataset", "fashion-mnist", "--precision", "fp8", "--output", "y.safetensors"], in: dir)
            #expect(status != 0 && output.contains("precision"), "\(output)")
        }

        /// `synapse train --precision fp16` trains under float16 autocast with loss scaling, and
        /// `compress --method fp16` writes a half-size model that `evaluate` scores as compress did.
        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func float16TrainingAndCompression() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try Self.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1", "--threads", "1",
                                                 "--no-progress", "--precision", "half", "--output", "mlp.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            let trained = try CLIRunOutputsTests.result(output)
            #expect(trained["precision"] as? String == "fp16" && (trained["test_accuracy"] as? Double ?? 0) > 0.75, "\(trained)")
            let scale = try #require(trained["loss_scale"] as? Double, "\(trained)")
            #expect(scale >= 1 && trained["skipped_steps"] as? Int != nil, "\(trained)")
            #expect(try SafeTensors.load(from: dir.appendingPathComponent("mlp.safetensors")).metadata["training_precision"] == "float16")
            (status, output) = try Self.run(["compress", "--weights", "mlp.safetensors", "--method", "fp16", "--output", "fp16.safetensors",
                                             "--threads", "1", "--speed-seconds", "0.05"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let before = try #require(result["accuracy_before"] as? Double), after = try #require(result["accuracy_after"] as? Double)
            #expect(abs(after - before) < 0.003, "float16 keeps 11 significand bits: \(result)")
            let sizeRatio = try #require(result["size_ratio"] as? Double)
            #expect(sizeRatio > 0.49 && sizeRatio < 0.52, "float16 weights: \(result)")
            let archive = try SafeTensors.load(from: dir.appendingPathComponent("fp16.safetensors"))
            #expect(archive.metadata["precision"] == "float16" && archive.entries.values.allSatisfy { $0.dtype == .f16 })
            (status, output) = try Self.run(["evaluate", "--weights", "fp16.safetensors", "--report", "fp16.md", "--threads", "1"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try CLIRunOutputsTests.result(output)["accuracy"] as? Double == after, "evaluate runs the float16 layers as compress did")
        }
    }
}

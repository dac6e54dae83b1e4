import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

extension RealDataSuite {
    /// `synapse train --dataset movie-reviews --model minilm --finetune ...` on the excerpt of the
    /// real snippets (placed where `SYNAPSE_DATA_DIR` points): the run's files and final JSON line,
    /// and the refusals of flags and pairings that do not apply.
    @Suite struct CLITextClassificationTests {
        static var toolBuilt: Bool { CLIImageAndTextRunTests.toolBuilt }

        /// A directory whose `movie-reviews/` holds the excerpt under the real file's name.
        static func dataDirectory() throws -> URL {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            let data = dir.appendingPathComponent("movie-reviews")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: TextClassificationJobTests.excerpt(),
                                            to: data.appendingPathComponent(MovieReviewSnippets.fileName))
            return dir
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func aLoRARunWritesItsFilesAndReportsTheTableFigures() throws {
            let dir = try Self.dataDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, exited, output) = try CLITrainChecksTests.run(
                ["train", "--dataset", "movie-reviews", "--model", "minilm", "--finetune", "lora", "--lora-rank", "4", "--epochs", "1",
                 "--batch-size", "16", "--threads", "1", "--no-progress"], in: dir, dataDir: dir)
            #expect(exited && status == 0, "\(output)")
            let last = try #require(output.split(separator: "\n").last)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            for key in ["test_accuracy", "validation_accuracy", "finetune", "trainable_parameters", "total_parameters", "epochs",
                        "seconds_per_epoch", "peak_memory_mb", "run_dir", "weights", "adapter"] {
                #expect(report[key] != nil, "\(key) missing from \(last)")
            }
            #expect(report["finetune"] as? String == "lora")
            #expect(report["trainable_parameters"] as? Int == 6 * 2 * (2 * 4 * 384) + 384 * 2 + 2)
            let runDir = URL(fileURLWithPath: try #require(report["run_dir"] as? String))
            #expect(runDir.lastPathComponent == "movie-reviews-minilm-lora-1")
            for file in ["config.json", "train.log", "report.json", "history.jsonl", "weights.safetensors", "adapter/adapter_config.json",
                         "adapter/adapter_model.safetensors"] {
                #expect(FileManager.default.fileExists(atPath: runDir.appendingPathComponent(file).path), "\(file) missing")
            }
            let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: runDir.appendingPathComponent("config.json")))
                                      as? [String: Any])
            #expect(config["finetune"] as? String == "lora" && config["lora-rank"] as? Int == 4 && config["lr-schedule"] as? String == "warmup-linear")
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func flagsAndPairingsThatDoNotApplyAreRefused() throws {
            let dir = try Self.dataDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let base = ["train", "--threads", "1", "--no-progress"]
            let cases: [([String], String)] = [
                (["--dataset", "movie-reviews", "--model", "cnn"], "--dataset movie-reviews is labelled text: use --model minilm"),
                (["--dataset", "mnist", "--model", "minilm"], "--model minilm fine-tunes on labelled text: use --dataset movie-reviews"),
                (["--dataset", "movie-reviews", "--model", "minilm", "--finetune", "full", "--lora-rank", "4"],
                 "--lora-rank only applies with --finetune lora"),
                (["--dataset", "movie-reviews", "--model", "minilm", "--steps", "3"], "--steps does not apply to --dataset movie-reviews"),
                (["--dataset", "mnist", "--finetune", "lora"], "--finetune does not apply to --dataset mnist"),
                (["--dataset", "movie-reviews", "--model", "minilm", "--finetune", "half"], "half"),
                (["--dataset", "movie-reviews", "--model", "minilm", "--train-fraction", "1.5"], "--train-fraction must lie in (0, 1]"),
                (["--dataset", "movie-reviews", "--model", "minilm", "--max-length", "1"], "--max-length: must be at least 2"),
                (["--dataset", "movie-reviews", "--model", "minilm", "--train-fraction", "0.01", "--batch-size", "64"],
                 "fewer than one batch"),
            ]
            for (arguments, message) in cases {
                let (status, _, output) = try CLITrainChecksTests.run(base + arguments, in: dir, dataDir: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path), "a refused run left files")
        }
    }
}

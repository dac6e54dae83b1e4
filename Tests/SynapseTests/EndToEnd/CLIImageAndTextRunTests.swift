import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

extension RealDataSuite {
    /// The built `synapse` tool on image datasets and text corpora: the shared controls
    /// (`--checkpoint-dir`, `--resume`, `--force`, `--lr-schedule`, `--clip-norm`, `--patience`,
    /// `--log-dir`) apply to them as to tabular runs, changed hyperparameters are refused on resume,
    /// and flags of another kind of run are refused instead of ignored.
    @Suite struct CLIImageAndTextRunTests {
        static var tool: URL { TrainResumeCLITests.tool }
        static var toolBuilt: Bool { FileManager.default.isExecutableFile(atPath: tool.path) }
        static var shakespeareAvailable: Bool { toolBuilt && LanguageModelRealDataTests.shakespeareInstalled }

        static func run(_ arguments: [String], in dir: URL) throws -> (Int32, String) {
            let (status, _, output) = try CLIRunOutputsTests.run(arguments, in: dir)
            return (status, output)
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func flagsOfAnotherKindOfRunAreRefused() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let cases: [([String], String)] = [
                (["--dataset", "mnist", "--prompt", "Hi"], "--prompt does not apply to --dataset mnist"),
                (["--dataset", "fashion-mnist", "--steps", "3"], "--steps does not apply to --dataset fashion-mnist"),
                (["--dataset", "fashion-mnist", "--window", "8"], "--window does not apply to --dataset fashion-mnist"),
                (["--dataset", "fashion-mnist", "--model", "cnn", "--hidden", "8"], "--hidden: sets the MLP's hidden widths"),
                (["--dataset", "shakespeare", "--model", "char-lstm", "--epochs", "2"], "--epochs does not apply to --dataset shakespeare"),
                (["--dataset", "shakespeare", "--model", "char-lstm", "--window", "2"], "--window does not apply to --dataset shakespeare"),
                (["--dataset", "mnist", "--monitor", "val_mae", "--patience", "2"], "val_mae"),
                (["--dataset", "mnist", "--force"], "--force only applies with --resume"),
                (["--dataset", "mnist", "--monitor", "val_accuracy"], "--monitor only applies with early stopping"),
                (["--dataset", "shakespeare", "--model", "gpt", "--sample-length", "0", "--prompt", "A"],
                 "--prompt only applies when a sample is generated"),
            ]
            for (arguments, message) in cases {
                let (status, output) = try Self.run(["train", "--threads", "1"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            // The refusals name the controls every dataset takes.
            let (_, output) = try Self.run(["train", "--dataset", "mnist", "--prompt", "Hi"], in: dir)
            for flag in ["--checkpoint-dir", "--resume", "--lr-schedule", "--clip-norm", "--patience", "--log-dir"] {
                #expect(output.contains(flag), "\(flag) missing from: \(output)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func anImageRunCheckpointsResumesAndRefusesChangedHyperparameters() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            // Tiny Fashion-MNIST-named files (SYNAPSE_DATA_DIR): 32 training and 8 test images.
            try CLITrainChecksTests.writeImages(in: dir, train: 32, test: 8)
            func run(_ arguments: [String]) throws -> (Int32, String) {
                let (status, _, output) = try CLITrainChecksTests.run(arguments, in: dir, dataDir: dir)
                return (status, output)
            }
            let checkpoints = dir.appendingPathComponent("checkpoints").path
            let common = ["train", "--dataset", "fashion-mnist", "--threads", "1", "--no-progress", "--batch-size", "8",
                          "--lr-schedule", "step", "--clip-norm", "5"]
            let (status, output) = try run(common + ["--epochs", "1", "--checkpoint-dir", checkpoints])
            #expect(status == 0, "\(output)")
            let json = try CLIRunOutputsTests.result(output)
            #expect(json["test_accuracy"] != nil && json["run_dir"] != nil && json["weights"] != nil && json["seconds_per_epoch"] != nil)
            let last = checkpoints + "/last.safetensors"
            #expect(FileManager.default.fileExists(atPath: last))
            // The recorded config.json repeats the run (every key it holds is a flag the run accepts).
            let config = try #require(json["run_dir"] as? String) + "/config.json"
            let (again, againOutput) = try run(["train", "--config", config])
            #expect(again == 0, "\(againOutput)")

            let (refused, message) = try run(common + ["--epochs", "2", "--resume", last])
            #expect(refused != 0 && message.contains("--epochs: checkpoint 1, now 2") && message.contains("--force"), "\(message)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/fashion-mnist-mlp-3").path))
            let (model, modelMessage) = try run(common + ["--epochs", "1", "--model", "cnn", "--resume", last])
            #expect(model != 0 && modelMessage.contains("--model: checkpoint mlp, now cnn"), "\(modelMessage)")
            let (batch, batchMessage) = try run(common + ["--epochs", "1", "--batch-size", "4", "--resume", last])
            #expect(batch != 0 && batchMessage.contains("--batch-size: checkpoint 8, now 4"), "\(batchMessage)")

            let (forced, forcedOutput) = try run(common + ["--epochs", "2", "--resume", last, "--force"])
            #expect(forced == 0 && forcedOutput.contains("resumed from \(last) after epoch 1"), "\(forcedOutput)")
            #expect(try CLIRunOutputsTests.result(forcedOutput)["epochs"] as? Int == 2)
            let history = try String(contentsOfFile: dir.appendingPathComponent("runs/fashion-mnist-mlp-3/history.jsonl").path, encoding: .utf8)
            #expect(history.split(separator: "\n").count == 2 && history.contains("val_accuracy"), "\(history)")
        }

        @Test(.enabled(if: shakespeareAvailable, "needs the built synapse tool and the Shakespeare corpus"))
        func aTextRunCheckpointsResumesAndRefusesChangedHyperparameters() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let checkpoints = dir.appendingPathComponent("checkpoints").path
            let common = ["train", "--dataset", "shakespeare", "--model", "char-lstm", "--threads", "1", "--no-progress",
                          "--batch-size", "4", "--context", "16", "--log-every", "2", "--eval-batches", "2", "--sample-length", "0",
                          "--lr-schedule", "cosine", "--clip-norm", "1"]
            let (status, output) = try Self.run(common + ["--steps", "4", "--checkpoint-dir", checkpoints], in: dir)
            #expect(status == 0, "\(output)")
            let json = try CLIRunOutputsTests.result(output)
            #expect(json["validation_loss"] != nil && json["steps"] as? Int == 4 && json["tokens_per_second"] != nil && json["run_dir"] != nil)
            let last = checkpoints + "/last.safetensors"
            let config = try #require(json["run_dir"] as? String) + "/config.json"
            let (again, againOutput) = try Self.run(["train", "--config", config], in: dir)
            #expect(again == 0, "config.json does not repeat the run: \(againOutput)")
            let (refused, message) = try Self.run(common + ["--steps", "6", "--lr", "0.01", "--resume", last], in: dir)
            #expect(refused != 0 && message.contains("--steps: checkpoint 4, now 6") && message.contains("--lr: checkpoint 0.001, now 0.01"),
                    "\(message)")
            let (forced, forcedOutput) = try Self.run(common + ["--steps", "6", "--resume", last, "--force"], in: dir)
            #expect(forced == 0 && forcedOutput.contains("resumed from \(last) after epoch 2"), "\(forcedOutput)")
            #expect(try CLIRunOutputsTests.result(forcedOutput)["steps"] as? Int == 6)
        }
    }
}

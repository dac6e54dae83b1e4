import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseData

extension RealDataSuite {
    /// The built `synapse` tool's run directories, output checks, metadata-driven `evaluate`,
    /// `--resume` hyperparameter checks and flag handling, on short diabetes runs (a second each).
    @Suite struct CLIRunOutputsTests {
        static var tool: URL { TrainResumeCLITests.tool }

        static var available: Bool {
            FileManager.default.isExecutableFile(atPath: tool.path)
                && (try? PythonPackageData.locate("sklearn/datasets/data/diabetes_target.csv.gz", dataset: "", install: "")) != nil
        }

        /// Runs the tool in `directory`; returns its exit status, whether it exited (rather than
        /// died of a signal), and its output.
        static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, exited: Bool, output: String) {
            let (p, out) = TrainResumeCLITests.process(arguments)
            p.currentDirectoryURL = directory
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, p.terminationReason == .exit, text)
        }

        /// The final JSON line of a run's output.
        static func result(_ output: String) throws -> [String: Any] {
            let last = output.split(separator: "\n").last.map(String.init) ?? ""
            return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "no JSON line in \(output)")
        }

        static func temporaryDirectory() throws -> URL {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return dir.resolvingSymlinksInPath()
        }

        static let quick = ["train", "--dataset", "diabetes", "--epochs", "3", "--threads", "1"]

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn"))
        func runsGetTheirOwnDirectoryAndNeverOverwrite() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var runDirs: [String] = []
            for n in 1...2 {
                let (status, _, output) = try Self.run(Self.quick, in: dir)
                #expect(status == 0, "run \(n) failed: \(output)")
                let json = try Self.result(output)
                let runDir = try #require(json["run_dir"] as? String), weights = try #require(json["weights"] as? String)
                #expect(runDir == dir.appendingPathComponent("runs/diabetes-mlp-\(n)").path)
                #expect(weights == runDir + "/weights.safetensors" && json["r2"] != nil)
                let files = try FileManager.default.contentsOfDirectory(atPath: runDir)
                for file in ["weights.safetensors", "weights.preprocessing.json", "config.json", "train.log", "report.json",
                             "history.jsonl", "history.csv", "loss.svg"] {
                    #expect(files.contains(file), "\(runDir) lacks \(file)")
                }
                let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runDir + "/config.json"))) as? [String: Any]
                #expect(config?["epochs"] as? Int == 3 && config?["hidden"] as? [Int] == [64, 32] && config?["lr"] as? Double == 0.001)
                runDirs.append(runDir)
            }
            #expect(Set(runDirs).count == 2)
            // An explicit --output that exists is refused before training, and replaced with --overwrite.
            let output = dir.appendingPathComponent("w.safetensors").path
            #expect(try Self.run(Self.quick + ["--output", output], in: dir).status == 0)
            let (status, exited, message) = try Self.run(Self.quick + ["--output", output], in: dir)
            #expect(status != 0 && exited && message.contains("already exists") && message.contains("--overwrite"), "\(message)")
            #expect(!message.contains("leakage check"), "the refused run started: \(message)")
            #expect(try Self.run(Self.quick + ["--output", output, "--overwrite"], in: dir).status == 0)
            // The run directories sit beside the weights.
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("diabetes-mlp-2/config.json").path))
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn"))
        func staleTemporaryFilesOfTheOutputsAreRemoved() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let runDir = dir.appendingPathComponent("run")
            try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
            // No process has id 2147483000 (above any pid_max); this test process is alive.
            let stale = runDir.appendingPathComponent(".weights.safetensors.2147483000.tmp")
            let live = runDir.appendingPathComponent(".weights.safetensors.\(getpid()).tmp")
            let unrelated = runDir.appendingPathComponent(".notes.txt.2147483000.tmp")
            for url in [stale, live, unrelated] { try Data("x".utf8).write(to: url) }
            let (status, _, output) = try Self.run(Self.quick + ["--run-dir", runDir.path], in: dir)
            #expect(status == 0 && output.contains("removed the stale temporary file \(stale.path)"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: stale.path))
            #expect(FileManager.default.fileExists(atPath: live.path) && FileManager.default.fileExists(atPath: unrelated.path))
            // The run directory now holds a run: a second run into it is refused without --overwrite.
            let (again, _, refused) = try Self.run(Self.quick + ["--run-dir", runDir.path], in: dir)
            #expect(again != 0 && refused.contains("already exists"), "\(refused)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn"))
        func unusableOutputPathsAreRefusedBeforeTraining() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("plain-file")
            try Data().write(to: file)
            for (path, needle) in [("/dev/null", "not a regular file"), (dir.path, "not a regular file"),
                                   (file.path + "/w.safetensors", "is not a directory")] {
                let (status, exited, output) = try Self.run(Self.quick + ["--output", path, "--overwrite"], in: dir)
                #expect(status != 0 && exited && output.contains(needle), "\(path): \(output)")
                #expect(!output.contains("leakage check") && !output.contains("epoch "), "training started for \(path): \(output)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn"))
        func evaluateReadsTheDatasetFromTheWeights() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, _, output) = try Self.run(Self.quick, in: dir)
            #expect(status == 0, "\(output)")
            let weights = try #require(try Self.result(output)["weights"] as? String)
            let report = dir.appendingPathComponent("report.md").path
            let (badStatus, _, bad) = try Self.run(["evaluate", "--dataset", "breast-cancer", "--weights", weights, "--report", report], in: dir)
            #expect(badStatus != 0 && bad.contains("does not match") && bad.contains("diabetes"), "\(bad)")
            let (okStatus, _, ok) = try Self.run(["evaluate", "--weights", weights, "--report", report], in: dir)
            #expect(okStatus == 0, "\(ok)")
            #expect(try Self.result(ok)["r2"] != nil)
            let (_, _, help) = try Self.run(["evaluate", "--help"], in: dir)
            #expect(!help.contains("shakespeare") && !help.contains("vim-docs") && help.contains("co2"), "\(help)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn"))
        func resumeWithChangedHyperparametersNeedsForce() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let checkpoints = dir.appendingPathComponent("checkpoints")
            let (status, _, output) = try Self.run(Self.quick + ["--checkpoint-dir", checkpoints.path], in: dir)
            #expect(status == 0, "\(output)")
            let last = checkpoints.appendingPathComponent("last.safetensors").path
            let (refused, _, message) = try Self.run(Self.quick + ["--resume", last, "--lr", "0.01"], in: dir)
            #expect(refused != 0 && message.contains("--lr: checkpoint 0.001, now 0.01") && message.contains("--force"), "\(message)")
            // Refused before the run directory is made: nothing of the refused run is left behind.
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/diabetes-mlp-2").path))
            let (missing, _, missingMessage) = try Self.run(Self.quick + ["--resume", dir.appendingPathComponent("nothing.safetensors").path], in: dir)
            #expect(missing != 0 && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/diabetes-mlp-2").path), "\(missingMessage)")
            let (forced, _, forcedOutput) = try Self.run(Self.quick + ["--resume", last, "--lr", "0.01", "--force"], in: dir)
            #expect(forced == 0 && forcedOutput.contains("resumed from"), "\(forcedOutput)")
            // Self-contained: the same hyperparameters resume from another directory into another output.
            let elsewhere = dir.appendingPathComponent("elsewhere/w.safetensors").path
            let (same, _, sameOutput) = try Self.run(Self.quick + ["--resume", last, "--output", elsewhere], in: dir)
            #expect(same == 0 && sameOutput.contains("resumed from \(last) after epoch 3"), "\(sameOutput)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn"))
        func flagsAreParsedAndCheckedPerDataset() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (versionStatus, _, version) = try Self.run(["--version"], in: dir)
            #expect(versionStatus == 0 && version.trimmingCharacters(in: .whitespacesAndNewlines) == SynapseVersion.current)
            let (lrStatus, _, lr) = try Self.run(Self.quick + ["--lr", "-1"], in: dir)
            #expect(lrStatus != 0 && lr.contains("--lr must be a positive number, got -1.0"), "\(lr)")
            let (promptStatus, _, prompt) = try Self.run(Self.quick + ["--prompt", "Hi"], in: dir)
            #expect(promptStatus != 0 && prompt.contains("--prompt does not apply to --dataset diabetes") && prompt.contains("--hidden"), "\(prompt)")
            let (windowStatus, _, window) = try Self.run(Self.quick + ["--window", "5"], in: dir)
            #expect(windowStatus != 0 && window.contains("--window does not apply"), "\(window)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: tool.path), "needs the built synapse tool"))
        func generateRefusesBadMetadataWithAnError() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            for (key, value) in [("context", "100000000000"), ("context", "-1"), ("context", "inf"), ("layers", "1e19"), ("heads", "3")] {
                var metadata = ["model": "gpt", "dataset": "shakespeare", "vocabulary": "32 65 66 97", "context": "16"]
                metadata[key] = value
                let url = dir.appendingPathComponent("lm.safetensors")
                try SafeTensors.save(["embedding.weight": Tensor(shape: [1], scalars: [0])], metadata: metadata, to: url)
                let (status, exited, output) = try Self.run(["generate", "--weights", url.path, "--length", "5"], in: dir)
                #expect(exited && status != 0 && output.contains(key), "\(key)=\(value): \(output)")
            }
        }
    }
}

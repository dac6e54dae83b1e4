import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Synapse
@testable import SynapseIO
@testable import SynapseData
@testable import SynapseTraining

extension RealDataSuite {
    /// The built `synapse` tool: a tabular run killed with SIGKILL after its first checkpoint and
    /// resumed with `--resume` ends with the same weights, bit for bit, as an uninterrupted run;
    /// and bad `--config` files are refused naming the file and key.
    @Suite struct TrainResumeCLITests {
        /// The `synapse` executable next to the test bundle (built by `swift build` / `swift test`).
        static var tool: URL { Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("synapse") }

        static var available: Bool {
            FileManager.default.isExecutableFile(atPath: tool.path)
                && (try? PythonPackageData.locate("statsmodels/datasets/co2/co2.csv", dataset: "", install: "")) != nil
        }

        static func process(_ arguments: [String]) -> (Process, Pipe) {
            let p = Process()
            p.executableURL = tool
            p.arguments = arguments
            // Bit-identical weights across a kill and a resume need one summation order throughout: the
            // adaptive team could run some regions on one thread on a busy CI machine (docs/KERNELS.md).
            var environment = ProcessInfo.processInfo.environment
            environment["SYNAPSE_ADAPTIVE_THREADS"] = "0"
            p.environment = environment
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            return (p, out)
        }

        /// Runs the tool to completion; returns its exit status and output.
        static func run(_ arguments: [String]) throws -> (Int32, String) {
            let (p, out) = process(arguments)
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }

        static func weights(_ url: URL) throws -> [String: [UInt32]] {
            let archive = try SafeTensors.load(from: url)
            var out: [String: [UInt32]] = [:]
            for name in archive.names where archive.entries[name]?.dtype == .f32 { out[name] = try archive.tensor(name).scalars.map(\.bitPattern) }
            return out
        }

        @Test(.enabled(if: available, "needs the built synapse tool and statsmodels"))
        func killedRunResumesToIdenticalWeights() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-resume-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            // co2: 1590 training windows, 50 steps per epoch; schedule, clipping and early stopping all carry state.
            let common = ["train", "--dataset", "co2", "--epochs", "15", "--patience", "5", "--lr-schedule", "cosine",
                          "--clip-norm", "1", "--threads", "1", "--no-progress"]
            let straight = dir.appendingPathComponent("straight"), killed = dir.appendingPathComponent("killed")
            let (status, output) = try Self.run(common + ["--checkpoint-dir", straight.path, "--output", straight.appendingPathComponent("w.safetensors").path])
            #expect(status == 0, "uninterrupted run failed: \(output)")

            let (victim, pipe) = Self.process(common + ["--checkpoint-dir", killed.path, "--output", killed.appendingPathComponent("w.safetensors").path])
            try victim.run()
            let checkpoint = killed.appendingPathComponent("last.safetensors")
            while victim.isRunning && !FileManager.default.fileExists(atPath: checkpoint.path) { usleep(2_000) }
            let interrupted = victim.isRunning
            if interrupted { kill(victim.processIdentifier, SIGKILL) }
            _ = pipe.fileHandleForReading.readDataToEndOfFile()
            victim.waitUntilExit()
            if interrupted {
                #expect(victim.terminationReason == .uncaughtSignal && victim.terminationStatus == SIGKILL)
                #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("w.safetensors").path))
            } else {
                print("note: the run finished before it could be killed; the resume below starts from its last checkpoint")
            }
            let saved = try Checkpoint.read(from: checkpoint)
            #expect(saved.epoch >= 1 && saved.epoch <= 15)

            // --overwrite: when the run finished before it could be killed, its weights exist.
            let (resumedStatus, resumedOutput) = try Self.run(common + ["--checkpoint-dir", killed.path, "--output",
                                                                         killed.appendingPathComponent("w.safetensors").path,
                                                                         "--resume", checkpoint.path, "--overwrite"])
            #expect(resumedStatus == 0, "resumed run failed: \(resumedOutput)")
            #expect(resumedOutput.contains("resumed from \(checkpoint.path) after epoch \(saved.epoch)"))
            print("killed after epoch \(saved.epoch) of 15, resumed")
            let a = try Self.weights(straight.appendingPathComponent("w.safetensors"))
            let b = try Self.weights(killed.appendingPathComponent("w.safetensors"))
            #expect(!a.isEmpty && a == b, "resumed weights differ from the uninterrupted run's")
            #expect(try Self.weights(straight.appendingPathComponent("last.safetensors")) == Self.weights(checkpoint))
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: tool.path), "needs the built synapse tool"))
        func badConfigFilesAreRefused() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            for (json, needle) in [(#"{"dataset": "diabetes", "epochz": 3}"#, #"unknown key "epochz""#),
                                   (#"{"epochs": "3"}"#, #"key "epochs" must be a whole number"#)] {
                let file = dir.appendingPathComponent("run.json")
                try Data(json.utf8).write(to: file)
                let (status, output) = try Self.run(["train", "--config", file.path])
                #expect(status != 0)
                #expect(output.contains(file.path) && output.contains(needle), "\(output)")
            }
        }
    }
}

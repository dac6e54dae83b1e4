import Foundation
import Testing
@testable import Synapse
@testable import SynapseData

extension RealDataSuite {
    /// `synapse train` checks that run before training (image shapes, `--eval-batches`, `--monitor`)
    /// and the training errors that reach its error path (divergence, `--detect-anomaly`), on tiny
    /// IDX files written into a `SYNAPSE_DATA_DIR` (under a second each).
    @Suite struct CLITrainChecksTests {
        static var tool: URL { TrainResumeCLITests.tool }
        static var toolBuilt: Bool { FileManager.default.isExecutableFile(atPath: tool.path) }

        /// Writes Fashion-MNIST-named IDX files into `dataDir/fashion-mnist`: `train` images of
        /// `trainSide`² pixels and `test` images of `testSide`², every pixel `pixel`, labels 0..<10.
        static func writeImages(in dataDir: URL, train: Int = 8, test: Int = 4, trainSide: Int = 28, testSide: Int = 28,
                                pixel: UInt8 = 255) throws {
            let dir = dataDir.appendingPathComponent(FashionMNIST.dataDirectoryName)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (prefix, count, side) in [("train", train, trainSide), ("t10k", test, testSide)] {
                try IDXFile(shape: [count, side, side], uint8: [UInt8](repeating: pixel, count: count * side * side))
                    .write(to: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
                try IDXFile(shape: [count], uint8: (0..<count).map { UInt8($0 % 10) })
                    .write(to: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
            }
        }

        /// Runs the tool in `directory` with `SYNAPSE_DATA_DIR` set to `dataDir`; returns its exit
        /// status, whether it exited (rather than died of a signal), and its output.
        static func run(_ arguments: [String], in directory: URL, dataDir: URL? = nil) throws -> (status: Int32, exited: Bool, output: String) {
            let (p, out) = TrainResumeCLITests.process(arguments)
            p.currentDirectoryURL = directory
            var environment = ProcessInfo.processInfo.environment
            environment["SYNAPSE_DETECT_ANOMALY"] = nil
            if let dataDir { environment["SYNAPSE_DATA_DIR"] = dataDir.path }
            p.environment = environment
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, p.terminationReason == .exit, text)
        }

        static let tiny = ["train", "--dataset", "fashion-mnist", "--epochs", "2", "--batch-size", "4", "--threads", "1", "--no-progress"]

        static func runsDirectory(_ dir: URL) -> URL { dir.appendingPathComponent("runs") }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func aTestSplitOfOtherImageSizesIsRefusedAtLoad() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Self.writeImages(in: dir, testSide: 30)
            let (status, exited, output) = try Self.run(Self.tiny, in: dir, dataDir: dir)
            #expect(exited && status != 0, "\(output)")
            #expect(output.contains("t10k-images-idx3-ubyte") && output.contains("[1, 30, 30]"), "\(output)")
            #expect(!output.contains("epoch 1/"), "training started: \(output)")
            #expect(!FileManager.default.fileExists(atPath: Self.runsDirectory(dir).path), "a refused run left a run directory")
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func imagesOfAnotherSizeThanTheModelsAreRefused() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Self.writeImages(in: dir, trainSide: 30, testSide: 30)
            let (status, exited, output) = try Self.run(Self.tiny, in: dir, dataDir: dir)
            #expect(exited && status != 0 && output.contains("training split") && output.contains("[1, 28, 28]"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: Self.runsDirectory(dir).path))
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func aTrainingSplitSmallerThanABatchIsRefused() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Self.writeImages(in: dir, train: 3)
            let (status, exited, output) = try Self.run(Self.tiny, in: dir, dataDir: dir)
            #expect(exited && status != 0 && output.contains("no complete batch of 4"), "\(output)")
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func divergenceEndsTheRunWithAnErrorAndNoWeights() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Self.writeImages(in: dir)
            // Adam moves every weight by about lr on the first step: 1e38 overflows the next forward pass.
            let (status, exited, output) = try Self.run(Self.tiny + ["--lr", "1e38"], in: dir, dataDir: dir)
            #expect(exited && status != 0, "\(output)")
            #expect(output.contains("non-finite") && output.contains("epoch 1, step ") && output.contains("--detect-anomaly"), "\(output)")
            let runDir = Self.runsDirectory(dir).appendingPathComponent("fashion-mnist-mlp-1")
            #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("weights.safetensors").path))
            #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("report.json").path))
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func detectAnomalyNamesTheOp() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Self.writeImages(in: dir)
            let (status, exited, output) = try Self.run(Self.tiny + ["--lr", "1e38", "--detect-anomaly"], in: dir, dataDir: dir)
            #expect(exited && status != 0, "\(output)")
            #expect(output.contains("anomaly detection") && output.contains("op '") && output.contains("epoch 1, step "), "\(output)")
            let config = Self.runsDirectory(dir).appendingPathComponent("fashion-mnist-mlp-1/config.json")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any]
            #expect(json?["detect-anomaly"] as? Bool == true)
            // A healthy run in anomaly mode trains and reports as usual.
            let (okStatus, _, ok) = try Self.run(Self.tiny + ["--detect-anomaly"], in: dir, dataDir: dir)
            #expect(okStatus == 0 && ok.contains("\"test_accuracy\""), "\(ok)")
        }

        @Test(.enabled(if: TrainResumeCLITests.available, "needs the built synapse tool and statsmodels"))
        func anExampleConfigRunsTwiceWithoutOverwrite() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/sunspots.json")
            for n in 1...2 {
                let (status, _, output) = try Self.run(["train", "--config", example.path, "--epochs", "2", "--threads", "1"], in: dir)
                #expect(status == 0, "run \(n): \(output)")
                #expect(FileManager.default.fileExists(atPath: Self.runsDirectory(dir).appendingPathComponent("sunspots-mlp-\(n)/weights.safetensors").path))
            }
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func badEvalBatchesAndMonitorNamesAreRefusedBeforeAnythingIsWritten() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (evalStatus, _, eval) = try Self.run(["train", "--dataset", "shakespeare", "--model", "char-lstm", "--eval-batches", "0"], in: dir)
            #expect(evalStatus != 0 && eval.contains("--eval-batches must be at least 1, got 0"), "\(eval)")
            let (monitorStatus, _, monitor) = try Self.run(["train", "--dataset", "diabetes", "--monitor", "val_accuracy"], in: dir)
            #expect(monitorStatus != 0 && monitor.contains("\"val_accuracy\" is not logged") && monitor.contains("val_mae"), "\(monitor)")
            let (classStatus, _, classification) = try Self.run(["train", "--dataset", "breast-cancer", "--monitor", "val_mae"], in: dir)
            #expect(classStatus != 0 && classification.contains("val_accuracy"), "\(classification)")
            #expect(!FileManager.default.fileExists(atPath: Self.runsDirectory(dir).path))
        }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

extension RealDataSuite {
    /// Transfer learning from the CLI: `--init-from` a CNN run's weights, `--freeze-features`,
    /// `--train-fraction` (on tiny Fashion-MNIST-named files; the MNIST → Fashion-MNIST figures are
    /// in docs/transfer-learning.md).
    @Suite struct CLIImageTransferTests {
        static var toolBuilt: Bool { CLIImageAndTextRunTests.toolBuilt }

        static func lastJSON(_ output: String) throws -> [String: Any] {
            let last = try #require(output.split(separator: "\n").last)
            return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func frozenTransferredStagesStayBitForBitAndOnlyTheHeadTrains() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try CLITrainChecksTests.writeImages(in: dir, train: 40, test: 8)
            let common = ["train", "--dataset", "fashion-mnist", "--model", "cnn", "--threads", "1", "--no-progress", "--batch-size", "4"]
            let (status, _, output) = try CLITrainChecksTests.run(common + ["--epochs", "1", "--run-dir", "source"], in: dir, dataDir: dir)
            #expect(status == 0, "\(output)")
            let source = dir.appendingPathComponent("source/weights.safetensors")

            let (status2, _, output2) = try CLITrainChecksTests.run(
                common + ["--epochs", "2", "--init-from", source.path, "--freeze-features", "--train-fraction", "0.5", "--run-dir", "transfer"],
                in: dir, dataDir: dir)
            #expect(status2 == 0, "\(output2)")
            let report = try Self.lastJSON(output2)
            // The head alone: Linear(64·7·7, 128) and Linear(128, 10).
            #expect(report["trainable_parameters"] as? Int == 3136 * 128 + 128 + 128 * 10 + 10, "\(report)")
            #expect(report["train_examples"] as? Int == 20)
            #expect(output2.contains("convolution stages (frozen)"), "\(output2)")

            let before = try SafeTensors.load(from: source), after = try SafeTensors.load(from: dir.appendingPathComponent("transfer/weights.safetensors"))
            for name in before.names {
                let same = try before.tensor(name).scalars == after.tensor(name).scalars
                #expect(same == name.hasPrefix("features."), "\(name): \(same ? "unchanged" : "changed")")
            }
            let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("transfer/config.json")))
                                      as? [String: Any])
            #expect(config["init-from"] as? String == source.path && config["freeze-features"] as? Bool == true)
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func transferFlagsAreCheckedBeforeTraining() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try CLITrainChecksTests.writeImages(in: dir, train: 16, test: 4)
            let notWeights = dir.appendingPathComponent("notes.safetensors")
            try Data("not a safetensors file".utf8).write(to: notWeights)
            let base = ["train", "--dataset", "fashion-mnist", "--threads", "1", "--no-progress", "--batch-size", "4"]
            let cases: [([String], String)] = [
                (["--model", "mlp", "--init-from", notWeights.path], "--init-from transfers a CNN's convolution stages: use --model cnn"),
                (["--model", "cnn", "--freeze-features"], "--freeze-features freezes transferred convolution stages"),
                (["--model", "cnn", "--init-from", notWeights.path], "cannot read the weights to transfer"),
                (["--model", "cnn", "--init-from", dir.appendingPathComponent("missing.safetensors").path], "missing.safetensors"),
                (["--model", "cnn", "--train-fraction", "0"], "--train-fraction must lie in (0, 1]"),
            ]
            for (arguments, message) in cases {
                let (status, _, output) = try CLITrainChecksTests.run(base + arguments, in: dir, dataDir: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
                #expect(!output.contains("epoch 1/"), "training started: \(output)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path), "a refused run left files")
        }
    }
}

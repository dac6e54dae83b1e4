import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `synapse train --dataset karate --model gcn|sage|gat` on Zachary's karate club (from
    /// networkx, prepared by scripts/prepare-graphs.sh): trained on the two leaders only, each graph
    /// network must place at least 85% of the other 32 members in the club they joined; the run
    /// writes its directory, weights with the architecture, and the JSON line; misplaced flags and
    /// models are refused.
    @Suite struct GraphCLITests {
        static var available: Bool { CompressCLITests.available && KarateClub.isInstalled }

        @Test(.enabled(if: available, "needs the built synapse tool and the karate club graph (scripts/prepare-graphs.sh)"))
        func karateClubNodeClassification() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            for model in GraphConvolutionKind.allCases {
                let (status, output) = try CompressCLITests.run(["train", "--dataset", "karate", "--model", model.rawValue, "--threads", "1",
                                                                 "--no-progress"], in: dir)
                try #require(status == 0, "\(model): \(output)")
                let result = try CLIRunOutputsTests.result(output)
                let accuracy = try #require(result["test_accuracy"] as? Double, "\(result)")
                #expect(accuracy >= 0.85, "\(model): test accuracy \(accuracy)")
                #expect(result["nodes"] as? Int == 34 && result["edges"] as? Int == 78 && result["train_nodes"] as? Int == 2
                        && result["test_nodes"] as? Int == 32 && result["epochs"] as? Int == 200, "\(result)")
                let runDir = try #require(result["run_dir"] as? String)
                #expect(runDir.hasSuffix("karate-\(model.rawValue)-1"))
                let weights = try SafeTensorsArchive(contentsOf: URL(fileURLWithPath: try #require(result["weights"] as? String)))
                #expect(weights.metadata["model"] == model.rawValue && weights.metadata["dataset"] == "karate", "\(weights.metadata)")
                #expect(weights.names.contains(model == .sage ? "conv1.lin_l.weight" : "conv1.lin.weight"), "\(weights.names)")
                for file in ["config.json", "train.log", "report.json", "history.jsonl"] {
                    #expect(FileManager.default.fileExists(atPath: runDir + "/" + file), "\(file)")
                }
            }
            for (arguments, message) in [(["--model", "mlp"], "is a graph: use --model gcn"),
                                         (["--model", "gcn", "--batch-size", "4"], "--batch-size does not apply"),
                                         (["--model", "gcn", "--patience", "5"], "no validation nodes"),
                                         (["--model", "gcn", "--hidden", "16,8"], "one width"),
                                         (["--model", "gat", "--steps", "5"], "--steps does not apply")] {
                let (status, output) = try CompressCLITests.run(["train", "--dataset", "karate"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            let (status, output) = try CompressCLITests.run(["train", "--dataset", "fashion-mnist", "--model", "gcn"], in: dir)
            #expect(status != 0 && output.contains("is a graph network"), "\(output)")
        }
    }
}

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
                                         (["--model", "gcn", "--batch-size", "4"], "--batch-size applies to --dataset karate with --fanout"),
                                         (["--model", "gcn", "--patience", "5"], "no validation nodes"),
                                         (["--model", "gcn", "--hidden", "16,8"], "one width"),
                                         (["--model", "gat", "--steps", "5"], "--steps does not apply")] {
                let (status, output) = try CompressCLITests.run(["train", "--dataset", "karate"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            let (status, output) = try CompressCLITests.run(["train", "--dataset", "fashion-mnist", "--model", "gcn"], in: dir)
            #expect(status != 0 && output.contains("is a graph network"), "\(output)")
        }

        static var solubilityAvailable: Bool { CompressCLITests.available && MoleculeSolubility.isInstalled }

        /// Graph classification of molecules in mini-batches of graphs: the solubility class of the
        /// 257 test molecules, well above always answering the most frequent class.
        @Test(.enabled(if: solubilityAvailable, "needs the built synapse tool and the solubility molecules (scripts/prepare-graphs.sh)"))
        func solubilityGraphClassification() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try CompressCLITests.run(["train", "--dataset", "solubility", "--model", "gcn", "--epochs", "30",
                                                             "--no-progress"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let accuracy = try #require(result["test_accuracy"] as? Double, "\(result)")
            let baseline = try #require(result["majority_baseline"] as? Double, "\(result)")
            #expect(accuracy >= 0.6 && accuracy >= baseline + 0.15, "test accuracy \(accuracy), always-one-class \(baseline)")
            #expect(result["task"] as? String == "graph-classification" && result["train_graphs"] as? Int == 923
                    && result["val_graphs"] as? Int == 102 && result["test_graphs"] as? Int == 257, "\(result)")
            let weights = try SafeTensorsArchive(contentsOf: URL(fileURLWithPath: try #require(result["weights"] as? String)))
            #expect(weights.metadata["task"] == "graph-classification" && weights.names.contains("conv3.lin.weight")
                    && weights.names.contains("lin.weight"), "\(weights.names)")
            for (arguments, message) in [(["--task", "node-classification"], "solubility supports graph-classification"),
                                         (["--fanout", "5,5"], "neighbour sampling applies to node classification")] {
                let (status, output) = try CompressCLITests.run(["train", "--dataset", "solubility", "--model", "gcn"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            let (refused, message) = try CompressCLITests.run(["train", "--dataset", "cora", "--model", "gcn", "--task", "graph-classification"],
                                                              in: dir)
            #expect(refused != 0 && message.contains("cora supports node-classification and link-prediction"), "\(message)")
        }

        static var coraAvailable: Bool { CompressCLITests.available && CoraCitations.isInstalled }

        /// Cora's standard task (20 papers per class train, 500 validate, 1,000 test): a GCN on the
        /// whole graph, and GraphSAGE on sampled neighbourhoods (10 and 10 per hop) in batches of 32
        /// seeds. Kipf and Welling report 0.815 for the GCN on Planetoid's fixed split; ours is a
        /// random split in the same proportions (docs/graphs.md has the measured figures).
        @Test(.enabled(if: coraAvailable, "needs the built synapse tool and Cora (scripts/prepare-graphs.sh)"))
        func coraNodeClassificationWholeGraphAndSampled() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            for (arguments, minimum) in [(["--model", "gcn"], 0.75), (["--model", "sage", "--fanout", "10,10", "--epochs", "20"], 0.7)] {
                let (status, output) = try CompressCLITests.run(["train", "--dataset", "cora", "--no-progress"] + arguments, in: dir)
                try #require(status == 0, "\(arguments): \(output)")
                let result = try CLIRunOutputsTests.result(output)
                let accuracy = try #require(result["test_accuracy"] as? Double, "\(result)")
                #expect(accuracy >= minimum, "\(arguments): test accuracy \(accuracy)")
                #expect(result["nodes"] as? Int == 2708 && result["edges"] as? Int == 5278 && result["train_nodes"] as? Int == 140
                        && result["val_nodes"] as? Int == 500 && result["test_nodes"] as? Int == 1000, "\(result)")
                #expect(result["val_accuracy"] is Double && result["task"] as? String == "node-classification", "\(result)")
            }
            // Early stopping on the validation nodes is allowed here (Cora has them).
            let (status, output) = try CompressCLITests.run(["train", "--dataset", "cora", "--model", "gcn", "--epochs", "30", "--patience", "3",
                                                             "--monitor", "val_accuracy", "--no-progress"], in: dir)
            #expect(status == 0, "\(output)")
        }

        /// Link prediction on Cora: 10% of the citations held out (with as many non-edges), the encoder
        /// passing messages along the other 85%; the held-out citations must be told from non-edges.
        @Test(.enabled(if: coraAvailable, "needs the built synapse tool and Cora (scripts/prepare-graphs.sh)"))
        func coraLinkPrediction() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try CompressCLITests.run(["train", "--dataset", "cora", "--model", "gcn", "--task", "link-prediction",
                                                             "--no-progress", "--checkpoint-dir", dir.appendingPathComponent("ckpt").path,
                                                             "--monitor", "val_auc"], in: dir)
            try #require(status == 0, "\(output)")
            let result = try CLIRunOutputsTests.result(output)
            let auc = try #require(result["test_auc"] as? Double, "\(result)")
            #expect(auc >= 0.85, "test AUC \(auc)")
            #expect((result["test_average_precision"] as? Double ?? 0) >= 0.8, "\(result)")
            #expect(result["task"] as? String == "link-prediction" && result["edges"] as? Int == 5278 && result["test_edges"] as? Int == 527
                    && result["val_edges"] as? Int == 263 && result["train_edges"] as? Int == 5278 - 527 - 263, "\(result)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("ckpt/best.safetensors").path))
            let weights = try SafeTensorsArchive(contentsOf: URL(fileURLWithPath: try #require(result["weights"] as? String)))
            #expect(weights.metadata["task"] == "link-prediction" && weights.metadata["embedding"] == "64", "\(weights.metadata)")
            for (arguments, message) in [(["--task", "edges"], "--task for a graph must be node-classification or link-prediction"),
                                         (["--task", "link-prediction", "--fanout", "10,10"], "neighbour sampling applies to node classification"),
                                         (["--task", "link-prediction", "--patience", "3", "--monitor", "val_accuracy"], "val_accuracy"),
                                         (["--fanout", "10"], "one count per layer"),
                                         (["--fanout", "10,x"], "comma-separated counts")] {
                let (status, output) = try CompressCLITests.run(["train", "--dataset", "cora", "--model", "gcn"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
        }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

extension RealDataSuite {
    /// The built `synapse` tool on a user's own data: scikit-learn's wine data written as a CSV file
    /// (`--csv`), Debian's Tango icons as an image folder (`--images`), a YAML `--config`, and the
    /// refusals of bad files and misplaced flags.
    @Suite struct CLIOwnDataTests {
        static var tool: URL { TrainResumeCLITests.tool }
        static var toolBuilt: Bool { FileManager.default.isExecutableFile(atPath: tool.path) }
        /// Debian's `tango-icon-theme` (installed by scripts/setup.sh): 850 icons in 10 category folders.
        static let tango = URL(fileURLWithPath: "/usr/share/icons/Tango/32x32")
        static var tangoInstalled: Bool { toolBuilt && FileManager.default.fileExists(atPath: tango.appendingPathComponent("places").path) }
        static var wineInstalled: Bool { toolBuilt && WineCSV.installed }

        static func run(_ arguments: [String], in dir: URL) throws -> (Int32, String) {
            let (status, _, output) = try CLIRunOutputsTests.run(arguments, in: dir)
            return (status, output)
        }

        /// The final JSON line of a run's output.
        static func finalJSON(_ output: String) throws -> [String: Any] {
            let line = output.split(separator: "\n").last.map(String.init) ?? ""
            return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }

        @Test(.enabled(if: wineInstalled, "needs the built synapse tool and scikit-learn"))
        func aCSVFileTrainsLikeABuiltInTabularDataset() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let csv = try WineCSV.write(in: dir)
            let (status, output) = try Self.run(["train", "--csv", csv.path, "--label", "cultivar", "--epochs", "60", "--threads", "1"], in: dir)
            #expect(status == 0, "\(output)")
            #expect(output.contains("wine (classification;") && output.contains("leak"), "\(output)")
            let json = try Self.finalJSON(output)
            #expect((json["accuracy"] as? Double ?? 0) > 0.85, "\(json)")
            let runDir = try #require(json["run_dir"] as? String)
            #expect(runDir.hasSuffix("runs/wine-mlp-1"))
            for file in ["config.json", "train.log", "report.json", "weights.safetensors", "weights.preprocessing.json", "history.jsonl"] {
                #expect(FileManager.default.fileExists(atPath: runDir + "/" + file), "\(file)")
            }
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runDir + "/config.json"))) as? [String: Any]
            #expect(config?["csv"] as? String == csv.path && config?["label"] as? String == "cultivar" && config?["dataset"] == nil)
            // Regression on another column, the task given; the figures are regression's.
            let (regression, regressionOutput) = try Self.run(["train", "--csv", csv.path, "--label", "proline", "--task", "regression",
                                                               "--categorical", "cultivar", "--epochs", "5", "--threads", "1"], in: dir)
            let regressionJSON = try Self.finalJSON(regressionOutput)
            #expect(regression == 0 && regressionJSON["r2"] != nil, "\(regressionOutput)")
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func badCSVFilesAndMisplacedFlagsAreRefusedBeforeARunDirectoryIsMade() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let csv = dir.appendingPathComponent("tiny.csv")
            try "a,b,y\n1,2,x\n3,4,x\n5,6,x\n".write(to: csv, atomically: true, encoding: .utf8)
            let cases: [([String], String)] = [
                (["--csv", "missing.csv", "--label", "y"], "missing.csv: file not found"),
                (["--csv", csv.path, "--label", "z"], #"no column named "z"; available columns: "a", "b", "y""#),
                (["--csv", csv.path, "--label", "y"], "holds a single class (x)"),
                (["--csv", csv.path, "--label", "a", "--numeric", "b", "--task", "regression", "--categorical", "b"], "also given to --numeric"),
                (["--csv", csv.path], "--csv needs --label"),
                (["--csv", csv.path, "--label", "y", "--task", "forecast"], "--task must be classification or regression"),
                (["--label", "y"], "--label only applies with --csv"),
                (["--dataset", "diabetes", "--csv", csv.path, "--label", "y"], "--dataset cannot be combined with --csv"),
                (["--csv", csv.path, "--label", "y", "--model", "cnn"], "--csv trains an MLP"),
                (["--csv", csv.path, "--label", "y", "--window", "3"], "--window does not apply to --csv"),
                (["--images", "/nonexistent/images"], "/nonexistent/images: file not found"),
                (["--images", csv.path, "--image-size", "32x"], "--image-size must be N or HxW"),
                (["--images", csv.path, "--channels", "2"], "--channels must be 1 or 3"),
                (["--image-size", "28"], "--image-size only applies with --images"),
                (["--images", dir.path, "--test-fraction", "0.6", "--validation-fraction", "0.5"], "must leave images to train on"),
                (["--images", dir.path, "--model", "gpt"], "--images trains an image classifier"),
                (["--images", dir.path], "no class subfolders"),
            ]
            for (arguments, message) in cases {
                let (status, output) = try Self.run(["train", "--threads", "1"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        }

        @Test(.enabled(if: tangoInstalled, "needs the built synapse tool and tango-icon-theme"))
        func theTangoIconsTrainAnImageClassifier() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try Self.run(["train", "--images", Self.tango.path, "--image-size", "16", "--model", "mlp", "--epochs", "3",
                                                 "--batch-size", "32", "--threads", "1", "--no-progress"], in: dir)
            #expect(status == 0, "\(output)")
            #expect(output.contains("850 images in 10 classes, 681 train / 169 test, 16x16 RGB, 0 skipped"), "\(output)")
            let json = try Self.finalJSON(output)
            // 10 classes, the largest (actions) 32 %: three epochs of an MLP on 16×16 icons reach well above it.
            #expect((json["test_accuracy"] as? Double ?? 0) > 0.6, "\(json)")
            #expect(json["skipped"] as? Int == 0 && json["classes"] as? Int == 10)
            let weights = try #require(json["weights"] as? String)
            let meta = try SafeTensors.load(from: URL(fileURLWithPath: weights)).metadata
            #expect(meta["source"] == "image-folder" && meta["image_size"] == "16x16" && meta["channels"] == "3")
            #expect(meta["class_names"]?.hasPrefix(#"["actions","animations","apps""#) == true)
            let mean = try JSONSerialization.jsonObject(with: Data((meta["mean"] ?? "").utf8)) as? [Double]
            #expect(mean?.count == 3 && mean!.allSatisfy { $0 > 0 && $0 < 1 })
        }

        @Test(.enabled(if: toolBuilt, "needs the built synapse tool"))
        func corruptImagesAreSkippedAndCountedOrRefusedWithStrict() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            // Two classes of real fixtures, four images each, plus one corrupt file; a YAML config.
            let fixtures = try ImageFixtures.directory
            let images = dir.appendingPathComponent("images")
            for (cls, names) in [("dark", ["gray.png", "gray16.png", "gray-alpha.png", "gray.jpg"]),
                                 ("light", ["rgb.png", "rgba.png", "palette.png", "baseline.jpg"])] {
                let folder = images.appendingPathComponent(cls)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for name in names { try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name)) }
            }
            let broken = images.appendingPathComponent("light/broken.png")
            try Data(try ImageFixtures.bytes("rgb.png").prefix(100)).write(to: broken)
            let config = dir.appendingPathComponent("run.yaml")
            try "images: images\nimage-size: 8\nmodel: cnn\nepochs: 1\nbatch-size: 2\ntest-fraction: 0.25\nthreads: 1\nno-progress: true\n"
                .write(to: config, atomically: true, encoding: .utf8)
            let (status, output) = try Self.run(["train", "--config", config.path], in: dir)
            #expect(status == 0, "\(output)")
            #expect(output.contains("8 images in 2 classes, 6 train / 2 test, 8x8 RGB, 1 skipped"), "\(output)")
            #expect(try Self.finalJSON(output)["skipped"] as? Int == 1)
            let (strict, strictOutput) = try Self.run(["train", "--config", config.path, "--strict"], in: dir)
            #expect(strict != 0 && strictOutput.contains("broken.png: corrupt PNG file"), "\(strictOutput)")
        }
    }
}

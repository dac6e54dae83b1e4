import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `synapse explain --input FILE`: a user's own example, prepared as `synapse predict` prepares
    /// it. The same example given as a file or as its index in the test split gets the same
    /// attributions; resized colour images, JSON pixels and CSV rows are explained; runs trained on
    /// the user's own CSV file are explained from their inputs, with what needs the training split
    /// refused clearly.
    @Suite struct ExplainInputCLITests {
        static var available: Bool { CompressCLITests.available }

        /// The attribution file written under `prefix` in `dir`.
        static func attributions(_ dir: URL, _ prefix: String) throws -> [String: Any] {
            let url = dir.appendingPathComponent(prefix + ".json")
            return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }

        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func imageFiles() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                                                             "--threads", "1", "--no-progress", "--output", "m.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            // Test image 3 as a grey PNG: its pixels are k/255, so the file holds it exactly.
            let (_, test) = try ImageDatasetChoice.fashionMNIST.load()
            let pixels = test.features.slice(dim: 0, start: 3, end: 4).contiguous().scalars.map { UInt8(($0 * 255).rounded()) }
            try Data(try ImageEncoder.png(pixels: pixels, width: 28, height: 28, channels: 1)).write(to: dir.appendingPathComponent("shoe.png"))
            (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors", "--input", "shoe.png", "--method", "ig"], in: dir)
            try #require(status == 0, "\(output)")
            let fromFile = try CLIRunOutputsTests.result(output)
            #expect(fromFile["label"] is NSNull && fromFile["example"] as? String == "shoe.png", "\(fromFile)")
            #expect((fromFile["input"] as? String)?.hasSuffix("shoe.png") == true && (fromFile["completeness_error"] as? Double ?? 1) <= 0.01)
            (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors", "--index", "3", "--method", "ig"], in: dir)
            try #require(status == 0, "\(output)")
            let a = try Self.attributions(dir, "m.explain-shoe-0-ig"), b = try Self.attributions(dir, "m.explain-3-ig")
            let mapA = try #require(a["attributions"] as? [[[Double]]]).joined().joined(), mapB = try #require(b["attributions"] as? [[[Double]]]).joined().joined()
            #expect(mapA.count == 784 && zip(mapA, mapB).allSatisfy { abs($0 - $1) <= 1e-6 }, "the file and the test split disagree")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.explain-shoe-0-ig.png").path))
            let report = try String(contentsOf: dir.appendingPathComponent("m.explain.html"), encoding: .utf8)
            #expect(report.contains("Explanation of test example 3"))

            // A larger colour photo is resized and converted as predict does; KernelSHAP draws its
            // background from the training split.
            var rgb: [UInt8] = []
            for y in 0..<56 { for x in 0..<56 { let v = pixels[(y / 2) * 28 + x / 2]; rgb += [v, v / 2, 255 - v] } }
            try Data(try ImageEncoder.png(pixels: rgb, width: 56, height: 56, channels: 3)).write(to: dir.appendingPathComponent("photo.png"))
            (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors", "--input", "photo.png", "--method", "shap",
                                                         "--background", "4", "--steps", "64", "--report", "photo.md"], in: dir)
            try #require(status == 0, "\(output)")
            #expect((try CLIRunOutputsTests.result(output)["completeness_error"] as? Double ?? 1) < 1e-3, "\(output)")
            let page = try String(contentsOf: dir.appendingPathComponent("photo.md"), encoding: .utf8)
            #expect(page.contains("Explanation of photo.png") && page.contains("label unknown"), "\(page.prefix(400))")

            // JSON pixel arrays: example --index of the file.
            let rows = (0..<2).map { i in "[" + test.features.slice(dim: 0, start: i, end: i + 1).contiguous().scalars
                .map { String(Int(($0 * 255).rounded())) }.joined(separator: ",") + "]" }
            try rows.joined(separator: "\n").write(to: dir.appendingPathComponent("two.jsonl"), atomically: true, encoding: .utf8)
            (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors", "--input", "two.jsonl", "--index", "1",
                                                         "--method", "saliency"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try CLIRunOutputsTests.result(output)["example"] as? String == "two.jsonl, example 1")

            for (arguments, message) in [(["--input", "two.jsonl", "--index", "2"], "outside the 2 example(s)"),
                                         (["--input", "missing.png"], "no such file"),
                                         (["--input", "m.safetensors"], "unknown input kind"),
                                         (["--input", "two.jsonl", "--method", "counterfactual"], "tabular classifiers")] {
                (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn's datasets"))
        func tabularRows() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "breast-cancer", "--epochs", "5", "--threads", "1",
                                                             "--no-progress", "--output", "bc.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--method", "shap", "--index", "5",
                                                         "--background", "20"], in: dir)
            try #require(status == 0, "\(output)")
            // Test example 5 written back as a CSV row in its original units.
            let split = try Self.attributions(dir, "bc.explain-5-shap")
            let values = try #require(split["feature_values"] as? [String: Double])
            let names = values.keys.sorted()
            let csv = names.map { "\"\($0)\"" }.joined(separator: ",") + "\n" + names.map { "\(values[$0]!)" }.joined(separator: ",") + "\n"
            try csv.write(to: dir.appendingPathComponent("patient.csv"), atomically: true, encoding: .utf8)
            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--input", "patient.csv", "--method", "shap",
                                                         "--background", "20"], in: dir)
            try #require(status == 0, "\(output)")
            let row = try Self.attributions(dir, "bc.explain-patient-0-shap")
            let a = try #require(row["attributions"] as? [String: Double]), b = try #require(split["attributions"] as? [String: Double])
            #expect(a.count == 30 && a.allSatisfy { abs($0.value - (b[$0.key] ?? .nan)) <= 1e-4 }, "the row and the test split disagree")
            #expect(row["label"] is NSNull && row["example"] as? String == "patient.csv")

            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--input", "patient.csv",
                                                         "--method", "counterfactual"], in: dir)
            try #require(status == 0, "\(output)")
            let cf = try CLIRunOutputsTests.result(output)
            #expect(cf["new_class"] as? Int != cf["predicted"] as? Int && cf["changes"] is [String: Any], "\(cf)")

            try "\"mean radius\"\n14.2\n".write(to: dir.appendingPathComponent("short.csv"), atomically: true, encoding: .utf8)
            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--input", "short.csv"], in: dir)
            #expect(status != 0 && output.contains("missing"), "\(output)")
            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--input", "patient.csv",
                                                         "--dataset", "diabetes"], in: dir)
            #expect(status != 0 && output.contains("breast-cancer"), "\(output)")
        }

        @Test(.enabled(if: available && WineCSV.installed, "needs the built synapse tool and scikit-learn"))
        func runOnTheUsersCSVFile() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let csv = try WineCSV.write(in: dir)
            var (status, output) = try CompressCLITests.run(["train", "--csv", csv.path, "--label", "cultivar", "--epochs", "30",
                                                             "--threads", "1", "--no-progress"], in: dir)
            try #require(status == 0, "\(output)")
            let runDir = try #require(try CLIRunOutputsTests.result(output)["run_dir"] as? String)
            let weights = runDir + "/weights.safetensors"
            (status, output) = try CompressCLITests.run(["explain", "--weights", weights, "--input", csv.path, "--index", "7",
                                                         "--method", "ig"], in: dir)
            try #require(status == 0, "\(output)")
            let ig = try CLIRunOutputsTests.result(output)
            #expect((ig["completeness_error"] as? Double ?? 1) <= 0.01 && ig["example"] as? String == "wine.csv, example 7", "\(ig)")
            let file = try Self.attributions(URL(fileURLWithPath: runDir), "weights.explain-wine-7-ig")
            #expect(Set((file["attributions"] as? [String: Double] ?? [:]).keys) == Set(WineCSV.featureNames))
            // Without the training split, KernelSHAP compares with one reference at the baseline.
            (status, output) = try CompressCLITests.run(["explain", "--weights", weights, "--input", csv.path, "--index", "7",
                                                         "--method", "shap"], in: dir)
            try #require(status == 0, "\(output)")
            #expect((try CLIRunOutputsTests.result(output)["completeness_error"] as? Double ?? 1) < 1e-3)
            for (arguments, message) in [(["--input", csv.path, "--method", "counterfactual"], "built-in datasets only"),
                                         ([], "explain your examples with --input")] {
                (status, output) = try CompressCLITests.run(["explain", "--weights", weights] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
        }
    }
}

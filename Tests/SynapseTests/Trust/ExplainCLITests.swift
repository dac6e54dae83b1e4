import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `synapse explain` on a real Fashion-MNIST classifier and a breast-cancer run: the JSON
    /// contract (completeness_error within the default 1% for Integrated Gradients), the pictures and
    /// report, KernelSHAP's efficiency on tabular data, counterfactuals that flip the decision within
    /// the allowed changes, the evaluation report's link, and refusals.
    @Suite struct ExplainCLITests {
        static var available: Bool { CompressCLITests.available }

        @Test(.enabled(if: available, "needs the built synapse tool and Fashion-MNIST"))
        func imageClassifier() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                                                             "--threads", "1", "--no-progress", "--output", "m.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors", "--dataset", "fashion-mnist",
                                                         "--index", "3", "--method", "ig"], in: dir)
            try #require(status == 0, "\(output)")
            let ig = try CLIRunOutputsTests.result(output)
            let error = try #require(ig["completeness_error"] as? Double, "\(ig)")
            #expect(error <= 0.01, "default Integrated Gradients completeness error \(error)")
            #expect(ig["target"] as? Int == ig["predicted"] as? Int && (ig["steps"] as? Int ?? 0) >= 50 && ig["index"] as? Int == 3)
            let prefix = dir.appendingPathComponent("m.explain-3-ig")
            let png = try ImageDecoder.decode(contentsOf: prefix.appendingPathExtension("png"))
            #expect(png.height == 224 && png.channels == 3)
            let svg = try String(contentsOf: prefix.appendingPathExtension("svg"), encoding: .utf8)
            #expect(svg.contains("<image") && svg.contains("</svg>"))
            let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: prefix.appendingPathExtension("json"))) as? [String: Any])
            let maps = try #require(file["attributions"] as? [[[Double]]])
            #expect(maps.count == 1 && maps[0].count == 28 && maps[0][0].count == 28)
            let total = maps[0].joined().reduce(0, +)
            let output0 = try #require(file["output"] as? Double), base = try #require(file["baseline_output"] as? Double)
            #expect(abs(total - (output0 - base)) <= 0.01 * abs(output0 - base) + 1e-4)
            let report = try String(contentsOf: dir.appendingPathComponent("m.explain.html"), encoding: .utf8)
            #expect(report.contains("Integrated Gradients") && report.contains("<svg") && report.contains("completeness error"))

            for (method, extra) in [("saliency", [String]()), ("smoothgrad", ["--steps", "8"]), ("occlusion", ["--window", "7", "--stride", "7"]),
                                    ("shap", ["--background", "4", "--steps", "64"]), ("input-x-gradient", [])] {
                (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors", "--method", method, "--index", "3",
                                                             "--target", "0"] + extra, in: dir)
                try #require(status == 0, "\(method): \(output)")
                let result = try CLIRunOutputsTests.result(output)
                #expect(result["method"] as? String == method && result["target"] as? Int == 0, "\(result)")
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.explain-3-\(method).png").path))
                #expect(method == "shap" ? result["completeness_error"] is Double : result["completeness_error"] is NSNull, "\(result)")
            }

            // The evaluation report links the explanation page.
            (status, output) = try CompressCLITests.run(["evaluate", "--weights", "m.safetensors", "--report", "eval.md"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try String(contentsOf: dir.appendingPathComponent("eval.md"), encoding: .utf8).contains("m.explain.html"))

            for (arguments, message) in [(["--method", "counterfactual"], "tabular classifiers"),
                                         (["--index", "10000"], "outside the fashion-mnist test split"),
                                         (["--target", "10"], "outside the model's outputs"),
                                         (["--immutable", "x"], "--immutable applies"),
                                         (["--method", "occlusion", "--window", "40"], "must fit"),
                                         (["--steps", "0"], "--steps"),
                                         (["--dataset", "shakespeare"], "explain takes")] {
                (status, output) = try CompressCLITests.run(["explain", "--weights", "m.safetensors"] + arguments, in: dir)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }
            (status, output) = try CompressCLITests.run(["explain", "--weights", "missing.safetensors"], in: dir)
            #expect(status != 0 && output.contains("file not found"), "\(output)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool and scikit-learn's datasets"))
        func tabularModel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var (status, output) = try CompressCLITests.run(["train", "--dataset", "breast-cancer", "--epochs", "5", "--threads", "1",
                                                             "--no-progress", "--output", "bc.safetensors"], in: dir)
            try #require(status == 0, "\(output)")
            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--method", "shap", "--index", "5",
                                                         "--background", "20"], in: dir)
            try #require(status == 0, "\(output)")
            let shap = try CLIRunOutputsTests.result(output)
            let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("bc.explain-5-shap.json"))) as? [String: Any])
            let values = try #require(file["attributions"] as? [String: Double])
            #expect(values.count == 30 && values["mean radius"] != nil, "\(values.keys.sorted())")
            let f = try #require(file["output"] as? Double), base = try #require(file["baseline_output"] as? Double)
            #expect(abs(values.values.reduce(0, +) - (f - base)) < 1e-3, "efficiency")
            #expect((shap["completeness_error"] as? Double ?? 1) < 1e-3)
            let chart = try String(contentsOf: dir.appendingPathComponent("bc.explain-5-shap.svg"), encoding: .utf8)
            #expect(chart.contains("<rect") && chart.contains("mean") && chart.contains("</svg>"))

            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--method", "ig", "--index", "5"], in: dir)
            try #require(status == 0, "\(output)")
            #expect((try CLIRunOutputsTests.result(output)["completeness_error"] as? Double ?? 1) <= 0.01)

            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--method", "counterfactual", "--index", "5",
                                                         "--immutable", "worst radius,worst area"], in: dir)
            try #require(status == 0, "\(output)")
            let cf = try CLIRunOutputsTests.result(output)
            let changes = try #require(cf["changes"] as? [String: [String: Double]], "\(cf)")
            #expect(cf["new_class"] as? Int != cf["predicted"] as? Int && !changes.isEmpty, "\(cf)")
            #expect(changes["worst radius"] == nil && changes["worst area"] == nil, "\(changes.keys)")
            #expect((cf["distance"] as? Double ?? 0) > 0)
            let report = try String(contentsOf: dir.appendingPathComponent("bc.explain.html"), encoding: .utf8)
            #expect(report.contains("Counterfactual search") && report.contains("moves the prediction"))

            (status, output) = try CompressCLITests.run(["evaluate", "--dataset", "breast-cancer", "--weights", "bc.safetensors",
                                                         "--report", "eval.md"], in: dir)
            try #require(status == 0, "\(output)")
            #expect(try String(contentsOf: dir.appendingPathComponent("eval.md"), encoding: .utf8).contains("bc.explain.html"))

            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--method", "counterfactual",
                                                         "--immutable", "no such feature"], in: dir)
            #expect(status != 0 && output.contains("no feature 'no such feature'"), "\(output)")
            (status, output) = try CompressCLITests.run(["explain", "--weights", "bc.safetensors", "--dataset", "diabetes"], in: dir)
            #expect(status != 0 && output.contains("breast-cancer"), "\(output)")
        }
    }
}

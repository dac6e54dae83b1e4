import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseModels
@testable import SynapseTraining

extension RealDataSuite {
    /// `synapse evaluate` end to end on real Fashion-MNIST: a quickly trained MLP is saved, reloaded
    /// from its weights file and evaluated on the whole test split; the report must hold every section.
    @Suite struct EvaluateFashionMNISTTests {
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func reportOfAQuicklyTrainedMLP() throws {
            let train = try FashionMNIST.load(split: .train)
            let test = try FashionMNIST.load(split: .test)
            manualSeed(0)
            let model = MLPClassifier(generator: RandomGenerator(seed: 0))
            // One epoch over a third of the training set (156 Adam steps): enough for ~80 % accuracy.
            try Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3), objective: .classification(model),
                        train: DataLoader(train.subset(Array(0..<20_000)), batchSize: 128, shuffle: true, dropLast: true))
                .fit(epochs: 1)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evaluate-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let weights = dir.appendingPathComponent("mlp.safetensors")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try model.save(to: weights)

            let reloaded = MLPClassifier(generator: RandomGenerator(seed: 7))
            try reloaded.load(from: weights)
            reloaded.train()   // the evaluation must switch to eval mode itself, and restore this
            let report = try EvaluationReport.imageClassifier(model: reloaded, dataset: test, classNames: FashionMNIST.classNames,
                                                              title: "MLP on Fashion-MNIST", details: [("weights", weights.path)])
            #expect(reloaded.isTraining)
            let s = report.summary
            #expect(s.count == 10_000 && s.classCount == 10)
            // Arg-max of Float softmax outputs may break a near-tie of logits differently: allow 3 examples.
            #expect(abs(s.accuracy - (try TestAccuracy.of(model, on: test))) <= 0.0003)
            #expect(s.accuracy > 0.75, "accuracy \(s.accuracy) after 156 steps")
            #expect(s.topKAccuracy > s.accuracy)
            #expect(try #require(s.rocAUCMacro) > 0.95)
            #expect(s.confusion.support == [Int](repeating: 1000, count: 10))
            #expect(s.expectedCalibrationError >= 0 && s.expectedCalibrationError < 0.2)
            // Slices: one per class with 1000 examples each, and four brightness quartiles of 2500.
            let byClass = report.slices[0], byBrightness = report.slices[1]
            #expect(byClass.slices.map(\.key) == FashionMNIST.classNames)
            #expect(byClass.slices.allSatisfy { $0.count == 1000 })
            #expect(byBrightness.slices.map(\.count) == [2500, 2500, 2500, 2500])
            #expect(byBrightness.slices[0].key.hasPrefix("Q1 darkest"))
            let worst = try #require(byClass.worst)
            #expect(byClass.slices.allSatisfy { $0.summary.accuracy >= worst.summary.accuracy })

            let markdown = dir.appendingPathComponent("report.md"), html = dir.appendingPathComponent("report.html")
            try report.write(to: markdown)
            try report.write(to: html)
            let md = try String(contentsOf: markdown, encoding: .utf8)
            for needle in ["# MLP on Fashion-MNIST", "## Metrics", "| accuracy | \(String(format: "%.4f", s.accuracy)) |",
                           "## Confusion matrix", "| 9 Ankle boot |", "## Calibration", "## Slices by true class",
                           "## Slices by image brightness", "Worst slice by accuracy: \(worst.key)", "(worst)"] {
                #expect(md.contains(needle), "report.md lacks \(needle)")
            }
            let page = try String(contentsOf: html, encoding: .utf8)
            #expect(page.components(separatedBy: "<svg ").count - 1 == 4)
            #expect(page.contains("Ankle boot"))
            #expect(page.utf8.count < 2_000_000, "HTML report is \(page.utf8.count) bytes; curves should be thinned")

            try runCommandLineTool(weights: weights, dir: dir, accuracy: s.accuracy)
        }

        /// Runs the built `synapse evaluate` on the same weights when the executable sits next to the
        /// test bundle (it does after `swift build` / `swift test`), and checks its report and JSON line.
        private func runCommandLineTool(weights: URL, dir: URL, accuracy: Double) throws {
            let tool = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("synapse")
            guard FileManager.default.isExecutableFile(atPath: tool.path) else { return }
            let reportURL = dir.appendingPathComponent("cli.md")
            let process = Process()
            process.executableURL = tool
            process.arguments = ["evaluate", "--dataset", "fashion-mnist", "--model", "mlp", "--weights", weights.path,
                                 "--report", reportURL.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any]
            #expect((json?["accuracy"] as? Double) == (accuracy * 10_000).rounded() / 10_000)
            #expect(try String(contentsOf: reportURL, encoding: .utf8).contains("## Slices by image brightness"))

            // A report path with an unknown extension is refused before any work.
            let bad = Process()
            bad.executableURL = tool
            bad.arguments = ["evaluate", "--weights", weights.path, "--report", dir.appendingPathComponent("r.pdf").path]
            bad.standardOutput = Pipe()
            bad.standardError = Pipe()
            try bad.run()
            bad.waitUntilExit()
            #expect(bad.terminationStatus != 0)
        }
    }
}

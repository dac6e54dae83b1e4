import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseJobs
@testable import SynapseModels

extension RealDataSuite {
    /// Class-conditional DDPM on Fashion-MNIST, small but real: a short training of a two-resolution
    /// UNet on the first 1,024 training images must bring the held-out denoising loss well below the
    /// 1.0 of predicting no noise; its weights reload to the same predictions; `synapse sample` writes
    /// reproducible grids and refuses bad requests; `synapse evaluate` measures the samples with a
    /// classifier, its real-image references ordered as they must be. The full recipe's figures are
    /// in docs/diffusion.md.
    @Suite(.tags(.slow))
    struct DiffusionRealDataTests {
        /// Trains the small denoiser once for the suite's tests, into `dir`.
        static func trainSmallDenoiser(in dir: URL) throws -> DiffusionTrainingResult {
            var options = DiffusionTrainingOptions(dataset: .fashionMNIST, output: dir.appendingPathComponent("ddpm.safetensors"))
            options.unet.blockChannels = [16, 32]
            options.unet.attention = [false, true]
            options.epochs = 3
            options.batchSize = 32
            options.learningRate = 2e-3
            options.gridImagesPerClass = 1
            options.gridSamplingSteps = 5
            options.gridOutput = dir.appendingPathComponent("samples.png")
            let job = DiffusionTrainingJob(options: options, log: { _ in })
            let (train, validation) = try job.loadData()
            return try job.run(data: (train.subset(Array(0..<1024)), validation.subset(Array(0..<256))))
        }

        @Test(.enabled(if: CLIImageAndTextRunTests.toolBuilt && FashionMNIST.isInstalled(), "needs the built synapse tool and Fashion-MNIST"))
        func denoiserTrainsReloadsSamplesAndIsMeasured() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let result = try Self.trainSmallDenoiser(in: dir)
            let losses = result.history.records.compactMap { $0.values["val_loss"] }
            #expect(losses.count == 3 && losses.last! < losses.first! && losses.last! < 0.3, "validation losses \(losses)")
            let grid = try #require(result.grid)
            let decoded = try ImageDecoder.decode(contentsOf: grid)
            #expect(decoded.width == 2 + 1 * 30 && decoded.height == 2 + 10 * 30, "grid \(decoded.width)×\(decoded.height)")

            // The file rebuilds the same UNet with the same schedule.
            let file = try DiffusionModelFile.load(from: result.weights)
            #expect(file.model.configuration == result.model.configuration && file.dataset == .fashionMNIST && file.imageShape == [1, 28, 28])
            let x = Tensor.randn([2, 1, 28, 28], generator: RandomGenerator(seed: 5))
            let a = withoutGradients { file.model(x, timesteps: [10, 700], classLabels: [2, 10]) }
            let b = withoutGradients { result.model(x, timesteps: [10, 700], classLabels: [2, 10]) }
            #expect(a.scalars == b.scalars)

            // synapse sample: reproducible for a seed, different for another class; bad requests refused.
            let weights = result.weights.path
            func sample(_ extra: [String], _ name: String) throws -> (Int32, String, Data?) {
                let out = dir.appendingPathComponent(name).path
                let (status, text) = try CLIImageAndTextRunTests.run(["sample", "--weights", weights, "--count", "4", "--steps", "5",
                                                                      "--output", out] + extra, in: dir)
                return (status, text, FileManager.default.contents(atPath: out))
            }
            let (s1, t1, g1) = try sample(["--class", "3"], "a.png")
            #expect(s1 == 0, "\(t1)")
            let line = try CLIRunOutputsTests.result(t1)
            #expect(line["class"] as? Int == 3 && line["class_name"] as? String == "Dress" && line["count"] as? Int == 4, "\(line)")
            let (s2, t2, g2) = try sample(["--class", "Dress"], "b.png")
            let (s3, t3, g3) = try sample(["--class", "3", "--seed", "1"], "c.png")
            let (s4, t4, g4) = try sample(["--sampler", "ddpm"], "d.png")
            #expect(s2 == 0 && s3 == 0 && s4 == 0, "\(t2)\n\(t3)\n\(t4)")
            // The same seed gives the same images. Not necessarily the same bytes: on a busy machine the
            // thread team shrinks, which changes float rounding in the last bits (see ThreadPool).
            func pixels(_ data: Data?) throws -> [Int] { try ImageDecoder.decode([UInt8](try #require(data))).samples.map(Int.init) }
            func meanDifference(_ a: [Int], _ b: [Int]) -> Double {
                Double(zip(a, b).map { abs($0 - $1) }.reduce(0, +)) / Double(max(a.count, 1))
            }
            let p1 = try pixels(g1), p2 = try pixels(g2), p3 = try pixels(g3)
            #expect(p1.count == p2.count && meanDifference(p1, p2) < 0.5 && meanDifference(p1, p3) > 5,
                    "same seed \(meanDifference(p1, p2)), other seed \(meanDifference(p1, p3))")
            #expect(g4 != nil)
            let refusals: [([String], String)] = [
                (["--class", "12"], "--class 12: expected 0-9"),
                (["--class", "Hat"], "--class Hat: expected"),
                (["--class", "1", "--steps", "5000"], "trained with 1000 timesteps"),
                (["--guidance", "-1"], "--guidance must lie in [0, 100]"),
            ]
            for (extra, message) in refusals {
                let (code, text, _) = try sample(extra, "refused.png")
                #expect(code != 0 && text.contains(message), "\(extra): \(text)")
            }
            let (code, text) = try CLIImageAndTextRunTests.run(["sample", "--weights", weights, "--output", dir.appendingPathComponent("x.jpg").path], in: dir)
            #expect(code != 0 && text.contains("expected a .png path"), "\(text)")

            // synapse evaluate with a classifier of the same dataset.
            let (trained, trainOutput) = try CLIImageAndTextRunTests.run(
                ["train", "--dataset", "fashion-mnist", "--model", "mlp", "--hidden", "128", "--epochs", "1", "--no-progress",
                 "--run-dir", dir.appendingPathComponent("classifier").path], in: dir)
            #expect(trained == 0, "\(trainOutput)")
            let classifier = dir.appendingPathComponent("classifier/weights.safetensors").path
            let report = dir.appendingPathComponent("quality.md").path
            let (evaluated, evalOutput) = try CLIImageAndTextRunTests.run(
                ["evaluate", "--weights", weights, "--classifier", classifier, "--count-per-class", "4", "--sampling-steps", "5",
                 "--report", report], in: dir)
            #expect(evaluated == 0, "\(evalOutput)")
            let q = try CLIRunOutputsTests.result(evalOutput)
            let accuracy = try #require(q["classifier_accuracy"] as? Double), real = try #require(q["real_accuracy"] as? Double)
            let fd = try #require(q["frechet_distance"] as? Double), fdReal = try #require(q["frechet_distance_real"] as? Double)
            let fdShuffled = try #require(q["frechet_distance_shuffled"] as? Double), fdNoised = try #require(q["frechet_distance_noised"] as? Double)
            #expect((0...1).contains(accuracy) && real > 0.6 && q["generated"] as? Int == 40, "\(q)")
            #expect(fd >= 0 && fdReal < fdShuffled && fdReal < fdNoised, "\(q)")
            #expect((q["per_class_accuracy"] as? [Double])?.count == 10)
            #expect(FileManager.default.fileExists(atPath: report))
            let evaluateRefusals: [([String], String)] = [
                (["--classifier", classifier, "--count-per-class", "1"], "--count-per-class: must lie in 2...500"),
                (["--classifier", classifier, "--sampling-steps", "2000"], "--sampling-steps: the model was trained with 1000 timesteps"),
            ]
            for (extra, message) in evaluateRefusals {
                let (code, text) = try CLIImageAndTextRunTests.run(["evaluate", "--weights", weights, "--report", report] + extra, in: dir)
                #expect(code != 0 && text.contains(message), "\(extra): \(text)")
            }
            let (onClassifier, onClassifierText) = try CLIImageAndTextRunTests.run(
                ["evaluate", "--weights", classifier, "--classifier", classifier, "--report", report], in: dir)
            #expect(onClassifier != 0 && onClassifierText.contains("only apply to a diffusion model"), "\(onClassifierText)")
            let (missing, missingText) = try CLIImageAndTextRunTests.run(["evaluate", "--weights", weights, "--report", report], in: dir)
            #expect(missing != 0 && missingText.contains("pass --classifier"), "\(missingText)")
            let (wrong, wrongText) = try CLIImageAndTextRunTests.run(["evaluate", "--weights", weights, "--classifier", weights,
                                                                      "--report", report], in: dir)
            #expect(wrong != 0 && wrongText.contains("expected an image classifier"), "\(wrongText)")
            let rows = dir.appendingPathComponent("rows.csv")
            try Data("a,b\n1,2\n".utf8).write(to: rows)
            let (predicted, predictText) = try CLIImageAndTextRunTests.run(["predict", "--weights", weights, "--input", rows.path], in: dir)
            #expect(predicted != 0 && predictText.contains("synapse sample"), "\(predictText)")
        }

        /// `synapse train --model ddpm` refuses bad settings before it reads data or makes a run directory.
        @Test(.enabled(if: CLIImageAndTextRunTests.toolBuilt, "needs the built synapse tool"))
        func trainRefusesBadDiffusionSettings() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let ddpm = ["train", "--dataset", "fashion-mnist", "--model", "ddpm"]
            let refusals: [([String], String)] = [
                (ddpm + ["--prediction", "sample"], "--prediction: must be epsilon or v_prediction"),
                (ddpm + ["--class-drop", "1"], "--class-drop: must lie in [0, 1)"),
                (ddpm + ["--class-drop", "0"], "--guidance: --class-drop 0 never trains the null class"),
                (ddpm + ["--unet-channels", "16,32,12"], "norm groups do not divide 12 channels"),
                (ddpm + ["--unet-channels", "16,32,64,128"], "expected 1 to 3 comma-separated widths"),
                (ddpm + ["--grid-per-class", "0", "--guidance", "3"], "--guidance: no effect with --grid-per-class 0"),
                (ddpm + ["--sampling-steps", "0"], "--sampling-steps: must lie in 1...1000"),
                (["train", "--dataset", "cora", "--model", "ddpm"], "--model ddpm generates images of an image dataset"),
                (["train", "--dataset", "fashion-mnist", "--model", "cnn", "--schedule", "cosine"], "--schedule"),
            ]
            for (arguments, message) in refusals {
                let (code, text) = try CLIImageAndTextRunTests.run(arguments, in: dir)
                #expect(code != 0 && text.contains(message), "\(arguments): \(text)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        }
    }
}

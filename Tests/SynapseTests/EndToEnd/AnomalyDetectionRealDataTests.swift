import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseJobs
@testable import SynapseModels

extension RealDataSuite {
    /// One-class anomaly detection on Fashion-MNIST: the job's leakage-safe splits, and short
    /// real trainings of both detectors through the CLI, measured against the PCA baseline and
    /// the prevalence (a random scorer's PR-AUC). The full figures are in docs/anomaly.md.
    @Suite(.tags(.slow))
    struct AnomalyDetectionRealDataTests {
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func splitsKeepTheAnomalyClassOutOfTrainingAndValidation() throws {
            var options = AnomalyDetectionOptions(dataset: .fashionMNIST, model: .autoencoder, output: URL(fileURLWithPath: "/dev/null"))
            options.anomalyClass = 8
            let data = try AnomalyDetectionJob(options: options, log: { _ in }).loadData()
            #expect(!data.train.labels.scalars.contains(8) && !data.validation.labels.scalars.contains(8))
            #expect(data.train.count + data.validation.count == 54_000 && data.validation.count == 5_384)   // the normal images of the last 10%
            #expect(data.anomalyName == "Bag")
            // 9,000 normal test images and 91 anomalies: 1%.
            #expect(data.test.count == 9_091 && data.test.labels.scalars.reduce(0, +) == 91)
            // The same seed draws the same anomalies; another seed others.
            let again = try AnomalyDetectionJob(options: options, log: { _ in }).loadData()
            #expect(again.test.features.scalars == data.test.features.scalars)
            options.seed = 1
            let other = try AnomalyDetectionJob(options: options, log: { _ in }).loadData()
            #expect(other.test.features.scalars != data.test.features.scalars)
        }

        @Test(.enabled(if: CLIImageAndTextRunTests.toolBuilt && FashionMNIST.isInstalled(), "needs the built synapse tool and Fashion-MNIST"))
        func bothDetectorsTrainFromTheCLIAndBeatChance() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            for model in ["autoencoder", "vae"] {
                let (status, output) = try CLIImageAndTextRunTests.run(
                    ["train", "--dataset", "fashion-mnist", "--model", model, "--epochs", "2", "--anomaly-class", "8", "--no-progress",
                     "--run-dir", dir.appendingPathComponent(model).path], in: dir)
                #expect(status == 0, "\(output)")
                let json = try CLIRunOutputsTests.result(output)
                for key in ["pr_auc", "roc_auc", "baseline_pr_auc", "prevalence", "precision", "recall", "false_positive_rate", "cost",
                            "cost_flag_nothing", "recall_at_precision_0.5", "recall_at_precision_0.9", "threshold", "baseline"] {
                    #expect(json[key] != nil, "\(model): \(key) missing from \(output)")
                }
                let prAUC = try #require(json["pr_auc"] as? Double), prevalence = try #require(json["prevalence"] as? Double)
                #expect(prAUC > 5 * prevalence, "\(model): PR-AUC \(prAUC) against a random scorer's \(prevalence)")
                #expect(try #require(json["roc_auc"] as? Double) > 0.8, "\(output)")
                // The threshold was set on held-out normal images for a 1% false-positive rate.
                #expect(try #require(json["false_positive_rate"] as? Double) < 0.03, "\(output)")
            }
            let refusals: [([String], String)] = [
                (["--dataset", "breast-cancer", "--model", "vae"], "--model vae detects anomalies in an image dataset"),
                (["--dataset", "fashion-mnist", "--model", "autoencoder", "--anomaly-class", "12"], "--anomaly-class: must lie in 0...9"),
                (["--dataset", "fashion-mnist", "--model", "cnn", "--target-fpr", "0.05"], "--target-fpr does not apply"),
                (["--dataset", "fashion-mnist", "--model", "vae", "--patch-size", "4"], "--patch-size does not apply"),
            ]
            for (arguments, message) in refusals {
                let (code, text) = try CLIImageAndTextRunTests.run(["train", "--epochs", "1"] + arguments, in: dir)
                #expect(code != 0 && text.contains(message), "\(arguments): \(text)")
            }
        }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseEval
@testable import SynapseCore
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseTraining
@testable import SynapseJobs

extension RealDataSuite {
    /// The reproductions from the hardening issue, on the real data and through the code the CLI
    /// runs: a huge learning rate must stop training with a non-finite error and write nothing.
    @Suite struct DivergenceRealDataTests {
        static var diabetesInstalled: Bool {
            (try? PythonPackageData.locate("sklearn/datasets/data/diabetes_data_raw.csv.gz", dataset: "", install: "")) != nil
                || (try? PythonPackageData.locate("sklearn/datasets/data/diabetes_data.csv.gz", dataset: "", install: "")) != nil
        }

        @Test(.enabled(if: diabetesInstalled, "scikit-learn is not installed"))
        func diabetesWithAHugeLearningRateFailsAndKeepsTheOldWeights() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-divergence-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            var o = TabularTrainingOptions(benchmark: .diabetes, output: dir.appendingPathComponent("diabetes.safetensors"))
            o.learningRate = 1e12
            o.epochs = 3
            o.checkpointDirectory = dir.appendingPathComponent("checkpoints")
            // A previous run's weights: must survive the diverged run byte for byte.
            let previous = Data("previous weights".utf8)
            try previous.write(to: o.output)
            do {
                try TabularTrainingJob(options: o) { _ in }.run()
                Issue.record("a diverged run reported success")
            } catch let error as TrainingError {
                guard case .nonFinite(let v) = error else { Issue.record("wrong error \(error)"); return }
                #expect(v.epoch != nil && v.step >= 1)
                #expect(error.description.contains("non-finite") && error.description.contains("epoch \(v.epoch!), step \(v.step)"))
            }
            #expect(try Data(contentsOf: o.output) == previous)
            #expect(!FileManager.default.fileExists(atPath: TabularTrainingOptions.preprocessingURL(forWeights: o.output).path))
            // Checkpoints written before the divergence hold finite weights only.
            let last = o.checkpointDirectory!.appendingPathComponent("last.safetensors")
            if FileManager.default.fileExists(atPath: last.path) {
                #expect(try Checkpoint.read(from: last).model.values.allSatisfy { $0.isAllFinite })
            }
        }

        /// lr 1e6 on (a subset of) Fashion-MNIST, the W2 network. With SGD the weights overflow within
        /// a few steps: training must stop with a non-finite error. With Adam (the CLI's optimizer)
        /// the normalised steps keep everything finite — a useless model with a loss near 1e21, but
        /// not a divergence to NaN/inf — so training may finish; then every weight must be finite.
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed"))
        func fashionMNISTWithLearningRate1e6() throws {
            let full = try FashionMNIST.load(split: .train)
            let train = full.subset(Array(0..<2048)), test = full.subset(Array(2048..<2560))
            func trainer(_ model: MLPClassifier, _ optimizer: some Optimizer) -> Trainer<TensorDataset, TensorDataset> {
                Trainer(model: model, optimizer: optimizer, objective: .classification(model),
                        train: DataLoader(train, batchSize: 128, shuffle: true, dropLast: true),
                        validation: DataLoader(test, batchSize: 512), metrics: TrainingMetrics.accuracy)
            }

            let sgdModel = MLPClassifier(generator: RandomGenerator(seed: 0))
            let sgd = trainer(sgdModel, SGD(sgdModel.parameters(), learningRate: 1e6))
            do {
                try sgd.fit(epochs: 3)
                Issue.record("SGD with lr 1e6 trained to the end: losses \(sgd.context.history.series("loss"))")
            } catch let error as TrainingError {
                guard case .nonFinite(let v) = error else { Issue.record("wrong error \(error)"); return }
                #expect(v.epoch == 1 && error.description.contains("non-finite"))
            }
            #expect(sgd.context.history.records.isEmpty)

            let adamModel = MLPClassifier(generator: RandomGenerator(seed: 0))
            let adam = trainer(adamModel, Adam(adamModel.parameters(), learningRate: 1e6))
            do {
                let history = try adam.fit(epochs: 3)
                #expect(history.records.allSatisfy { $0.values["loss"]!.isFinite })
                #expect(adamModel.parameters().allSatisfy { $0.value.isAllFinite })
            } catch let error as TrainingError {
                guard case .nonFinite = error else { Issue.record("wrong error \(error)"); return }
            }
        }
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseModels

/// Whether `relativePath` is installed among the Python packages.
private func installed(_ relativePath: String) -> Bool {
    (try? PythonPackageData.locate(relativePath, dataset: "", install: "")) != nil
}

extension RealDataSuite {
    /// Small MLPs trained through the whole data pipeline (load, split, leakage check, preprocessing
    /// fitted on the training split, loader): proof that the pieces fit, and the figures a user
    /// can expect. Each run is seeded and takes well under a second of training in release builds.
    @Suite struct TabularTrainingTests {
        /// Trains `model` with Adam for `epochs` passes, minimising `loss` of each batch.
        static func fit<D: BatchedDataset>(_ model: MLPClassifier, on data: D, epochs: Int, learningRate: Double = 1e-3,
                                           loss: (D.Batch) -> Tensor) {
            let optimizer = Adam(model.parameters(), learningRate: learningRate)
            let loader = DataLoader(data, batchSize: 32, shuffle: true, seed: 0)
            for _ in 0..<epochs {
                for batch in loader {
                    let value = loss(batch)
                    optimizer.zeroGrad()
                    value.backward()
                    optimizer.step()
                }
            }
        }

        @Test(.enabled(if: installed("sklearn/datasets/data/breast_cancer.csv"), "scikit-learn is not installed"))
        func breastCancerClassifier() throws {
            let data = try TabularDataset.breastCancer()
            let split = try Splitter.stratified(labels: data.classIndices!, validation: 0.15, test: 0.15, seed: 0)
            #expect(LeakageReport(split: split, fingerprints: data.rowFingerprints()).isClean)
            let prep = try TabularPreprocessor.fitted(on: data.subset(split.train))
            let train = try prep.classificationDataset(data.subset(split.train))
            let test = try prep.classificationDataset(data.subset(split.test))
            let model = MLPClassifier(inputSize: 30, hiddenSizes: [32], classes: 2, generator: RandomGenerator(seed: 0))
            Self.fit(model, on: train, epochs: 30) { crossEntropy(model($0.features), $0.labels) }
            let predicted = withoutGradients { model(test.features).argmax(dim: 1).scalars }
            let accuracy = Double(zip(predicted, test.labels.scalars).filter { $0 == $1 }.count) / Double(test.count)
            print("breast cancer: test accuracy \(accuracy) on \(test.count) rows")
            #expect(accuracy >= 0.93)
        }

        @Test(.enabled(if: installed("sklearn/datasets/data/diabetes_target.csv.gz"), "scikit-learn is not installed"))
        func diabetesRegressor() throws {
            let data = try TabularDataset.diabetes()
            let split = try Splitter.random(count: data.count, validation: 0, test: 0.2, seed: 0)
            let prep = try TabularPreprocessor.fitted(on: data.subset(split.train), options: PreprocessingOptions(targetScaling: .standardize))
            let train = try prep.regressionDataset(data.subset(split.train))
            let test = try prep.regressionDataset(data.subset(split.test))
            let model = MLPClassifier(inputSize: 10, hiddenSizes: [32], classes: 1, generator: RandomGenerator(seed: 0))
            Self.fit(model, on: train, epochs: 100) { mseLoss(model($0.features), $0.targets) }
            let predicted = prep.inverseTransformTargets(withoutGradients { model(test.features) }).scalars
            let actual = data.subset(split.test).targetValues!
            let mean = actual.reduce(0, +) / Double(actual.count)
            let sse = zip(predicted, actual).reduce(0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) }
            let sst = actual.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let r2 = 1 - sse / sst
            print("diabetes: test R² \(r2), RMSE \((sse / Double(actual.count)).squareRoot()) on \(actual.count) rows")
            #expect(r2 >= 0.3)
        }

        @Test(.enabled(if: installed("statsmodels/datasets/sunspots/sunspots.csv"), "statsmodels is not installed"))
        func sunspotsForecaster() throws {
            let windows = try TimeSeries.sunspots().windows(length: 12)
            let split = try Splitter.timeOrdered(times: windows.targetTimes, validation: 0.15, test: 0.15)
            #expect(LeakageReport(split: split, times: windows.targetTimes).isClean)
            let (scaled, scaling) = windows.standardized(fittedOn: split.train)
            let train = scaled.dataset.subset(split.train), test = windows.dataset.subset(split.test)
            let model = MLPClassifier(inputSize: 12, hiddenSizes: [32], classes: 1, generator: RandomGenerator(seed: 0))
            Self.fit(model, on: train, epochs: 200) { mseLoss(model($0.features), $0.targets) }
            let inputs = scaled.dataset.subset(split.test).features
            let predicted = withoutGradients { model(inputs) }.scalars.map { scaling.invert(Double($0)) }
            let actual = test.targets.scalars.map(Double.init)
            let persistence = (0..<test.count).map { Double(test.features.scalars[$0 * 12 + 11]) }
            func rmse(_ p: [Double]) -> Double { (zip(p, actual).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(actual.count)).squareRoot() }
            print("sunspots: test RMSE \(rmse(predicted)) (persistence baseline \(rmse(persistence))) on \(actual.count) years"
                  + " \(windows.targetTimes[split.test.first!])-\(windows.targetTimes[split.test.last!])")
            #expect(rmse(predicted) < rmse(persistence))
        }
    }
}

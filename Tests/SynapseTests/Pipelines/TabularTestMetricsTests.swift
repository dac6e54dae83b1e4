import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseModels
@testable import SynapseJobs

/// `TabularTestMetrics` refuses an empty test split instead of reporting accuracy 0 or NaN errors.
@Suite struct TabularTestMetricsTests {
    @Test func anEmptyTestSplitIsATypedError() throws {
        let model = MLPClassifier(inputSize: 3, hiddenSizes: [4], classes: 2, generator: RandomGenerator(seed: 0))
        let empty = TensorDataset(features: Tensor(shape: [0, 3], scalars: []), labels: IntTensor(shape: [0], scalars: []))
        #expect(throws: MetricError.empty(metric: TabularTestMetrics.emptyTestSplit)) {
            _ = try TabularTestMetrics.classification(model: model, test: empty)
        }
        let regressor = MLPClassifier(inputSize: 3, hiddenSizes: [4], classes: 1, generator: RandomGenerator(seed: 0))
        let noRows = RegressionDataset(features: Tensor(shape: [0, 3], scalars: []), targets: Tensor(shape: [0, 1], scalars: []))
        #expect(throws: MetricError.empty(metric: TabularTestMetrics.emptyTestSplit)) {
            _ = try TabularTestMetrics.regressionPredictions(model: regressor, test: noRows) { $0 }
        }
        #expect(TabularTestMetrics.emptyTestSplit.contains("test split is empty"))
    }

    @Test func aNonEmptyTestSplitHasMetrics() throws {
        let model = MLPClassifier(inputSize: 3, hiddenSizes: [4], classes: 2, generator: RandomGenerator(seed: 0))
        let test = TensorDataset(features: Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]), labels: IntTensor(shape: [2], scalars: [0, 1]))
        let metrics = try TabularTestMetrics.classification(model: model, test: test).metrics
        #expect(metrics["accuracy"].map { (0...1).contains($0) } == true)
    }
}

import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval

@Suite struct SliceEvaluationTests {
    // Six examples of 3 classes; group "b" holds the two mistakes.
    let labels = [0, 1, 2, 0, 1, 2]
    let probabilities: [[Double]] = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8],
                                     [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]]
    let keys = ["a", "a", "a", "b", "b", "b"]

    @Test func perGroupMetricsAndCounts() throws {
        let slices = try ClassificationSlices(name: "group", labels: labels, probabilities: probabilities, keys: keys)
        #expect(slices.slices.map(\.key) == ["a", "b"])
        #expect(slices.slices.map(\.count) == [3, 3])
        #expect(slices.slices[0].summary.accuracy == 1)
        #expect(abs(slices.slices[1].summary.accuracy - 1.0 / 3) < 1e-12)
        // Each slice's metrics equal the metrics computed on its examples alone.
        let b = try ClassificationSummary(labels: [0, 1, 2], probabilities: Array(probabilities[3...]))
        #expect(slices.slices[1].summary.logLoss == b.logLoss)
        #expect(slices.worst?.key == "b")
        #expect(slices.worst(by: .logLoss)?.key == "b")
        #expect(slices.worst(by: .expectedCalibrationError)?.key == "b")
    }

    @Test func closureKeysAndExplicitOrder() throws {
        let slices = try ClassificationSlices(name: "parity", labels: labels, probabilities: probabilities,
                                              order: ["odd", "even"]) { $0 % 2 == 0 ? "even" : "odd" }
        #expect(slices.slices.map(\.key) == ["odd", "even"])
        #expect(slices.slices.map(\.count) == [3, 3])
    }

    @Test func undefinedMetricsAreSkippedWhenPickingTheWorst() throws {
        // Slicing by label leaves one class per slice: ROC-AUC has no value anywhere.
        let slices = try ClassificationSlices(name: "label", labels: labels, probabilities: probabilities,
                                              keys: labels.map(String.init), metric: .rocAUC)
        #expect(slices.slices.allSatisfy { $0.summary.rocAUCMacro == nil })
        #expect(slices.worst == nil)
        // Macro F1 of slice "0" (examples 0 and 3, predicted 0 and 1) averages classes 0 and 1 only.
        #expect(abs(slices.slices[0].summary.observedClassMacroF1 - (2.0 / 3 + 0) / 2) < 1e-12)
        #expect(slices.worst(by: .macroF1) != nil)
        #expect(slices.worst(by: .accuracy)?.key == "0" || slices.worst(by: .accuracy)?.key == "1")
    }

    @Test func mismatchedKeysThrow() {
        #expect(throws: MetricError.self) {
            try ClassificationSlices(name: "g", labels: labels, probabilities: probabilities, keys: ["a"])
        }
    }

    @Test func genericSlicingOfRegression() throws {
        let yTrue = [1.0, 2, 3, 10, 20], yPred = [1.0, 2, 4, 10, 30]
        let slices = try SliceEvaluation.evaluate(keys: ["small", "small", "small", "large", "large"]) { (idx: [Int]) throws(MetricError) in
            try meanAbsoluteError(idx.map { yTrue[$0] }, idx.map { yPred[$0] })
        }
        #expect(slices.map(\.key) == ["large", "small"])
        let expected: [Double] = [5, 1.0 / 3]
        #expect(slices.map(\.summary) == expected)
    }
}

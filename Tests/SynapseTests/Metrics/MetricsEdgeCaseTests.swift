import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval

/// Ties, absent classes, zero division and bad input. Expected values come from scikit-learn 1.9
/// (printed by `Benchmarks/reference/metrics_edge_cases.py`).
@Suite struct MetricsEdgeCaseTests {
    let tiedTrue = [0, 1, 0, 1, 1, 0, 1, 0]
    let tiedScores = [0.5, 0.5, 0.2, 0.8, 0.5, 0.8, 0.9, 0.1]

    @Test func tiedScoresFollowScikitLearn() throws {
        #expect(close(try rocAUC(tiedTrue, scores: tiedScores), 0.78125))
        #expect(close(try averagePrecision(tiedTrue, scores: tiedScores), 0.75))
        let roc = try ROCCurve(tiedTrue, scores: tiedScores)
        #expect(roc.falsePositiveRate == [0, 0, 0.25, 0.5, 0.75, 1])
        #expect(roc.truePositiveRate == [0, 0.25, 0.5, 1, 1, 1])
        #expect(roc.thresholds == [.infinity, 0.9, 0.8, 0.5, 0.2, 0.1])
        let pr = try PrecisionRecallCurve(tiedTrue, scores: tiedScores)
        let expectedPrecision = [0.5, 0.5714285714285714, 0.6666666666666666, 0.6666666666666666, 1, 1]
        #expect(zip(pr.precision, expectedPrecision).allSatisfy { close($0, $1) } && pr.precision.count == 6)
        #expect(pr.recall == [1, 1, 1, 0.5, 0.25, 0])
        #expect(pr.thresholds == [0.1, 0.2, 0.5, 0.8, 0.9])
    }

    @Test func absentClassesAndZeroDivisionGiveZero() throws {
        let yTrue = [0, 0, 1, 1, 2, 2], yPred = [0, 1, 1, 1, 0, 0]   // class 3 absent, class 2 never predicted
        let expected: [(Averaging, Double, Double, Double)] = [
            (.macro, 0.25, 0.375, 0.3), (.micro, 0.5, 0.5, 0.5), (.weighted, 1.0 / 3, 0.5, 0.4),
        ]
        for (average, p, r, f) in expected {
            #expect(close(try precision(yTrue, yPred, average: average, classCount: 4), p), "\(average)")
            #expect(close(try recall(yTrue, yPred, average: average, classCount: 4), r), "\(average)")
            #expect(close(try f1Score(yTrue, yPred, average: average, classCount: 4), f), "\(average)")
        }
        // A chosen zero-division value replaces 0 exactly where a denominator vanishes.
        let scores = try ClassificationScores(yTrue, yPred, classCount: 4, zeroDivision: 1)
        let expectedPrecision: [Double] = [1.0 / 3, 2.0 / 3, 1, 1], expectedRecall: [Double] = [0.5, 1, 0, 1]
        #expect(scores.precision == expectedPrecision)
        #expect(scores.recall == expectedRecall)
        // Binary scores with no predicted positive.
        #expect(try precision([1, 0, 1], [0, 0, 0]) == 0)
        #expect(try f1Score([0, 0], [0, 0]) == 0)
    }

    @Test func topKTiesRankHigherClassIndexFirst() throws {
        let yTrue = [0, 1, 2, 2]
        let scores = [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.2, 0.4, 0.4], [0.1, 0.3, 0.6]]
        #expect(try topKAccuracy(yTrue, classScores: scores, k: 1) == 0.75)
        #expect(try topKAccuracy(yTrue, classScores: scores, k: 2) == 1)
        // Plain accuracy uses arg-max (the first maximum): example 0 is right, example 1 and 2 wrong.
        #expect(try accuracy(yTrue, classScores: scores) == 0.5)
    }

    @Test func rankingMetrics() throws {
        let rel: [[Double]] = [[3, 2, 1, 0, 0]], sc: [[Double]] = [[1, 1, 0.5, 0.5, 0]]
        #expect(close(try RankingMetrics.ndcg(relevance: rel, scores: sc, k: 3), 0.9087467568998083))
        #expect(close(try RankingMetrics.ndcg(relevance: rel, scores: sc), 0.9539682252597386))
        #expect(close(try RankingMetrics.ndcg(relevance: [[0.0, 0, 0], [1, 0, 2]], scores: [[1.0, 2, 3], [3, 2, 1]]), 0.3800937667159343))
        // Query 1 ranks items 2, 0, 1 (relevant: 0, 2); query 2 ranks 0, 1, 2 (relevant: 2).
        let relevance: [[Double]] = [[1, 0, 1], [0, 0, 1]], scores: [[Double]] = [[0.5, 0.1, 0.9], [0.9, 0.5, 0.1]]
        #expect(close(try RankingMetrics.meanAveragePrecision(relevance: relevance, scores: scores), (1.0 + 1.0 / 3) / 2))
        #expect(try RankingMetrics.hitRate(relevance: relevance, scores: scores, k: 1) == 0.5)
        #expect(try RankingMetrics.hitRate(relevance: relevance, scores: scores, k: 3) == 1)
        #expect(try RankingMetrics.recall(relevance: relevance, scores: scores, k: 1) == 0.25)
        #expect(try RankingMetrics.recall(relevance: relevance, scores: scores, k: 2) == 0.5)
        #expect(close(try RankingMetrics.meanAveragePrecision(relevance: relevance, scores: scores, k: 1), 0.5))
    }

    @Test func regressionEdgeCases() throws {
        #expect(try r2Score([1.0, 1, 1], [1.0, 1, 1]) == 1)
        #expect(try r2Score([1.0, 1, 1], [1.0, 2, 1]) == 0)
        #expect(try meanAbsolutePercentageError([0.0, 1], [1.0, 1]) == 2251799813685248.0)
        #expect(close(try rootMeanSquaredError([0.0, 0], [3.0, 4]), (12.5).squareRoot()))
        #expect(close(try logLoss([1, 0], probabilities: [1.0, 1.0]), 18.021826694558577))
    }

    @Test func badInputThrowsTypedErrors() {
        #expect(throws: MetricError.lengthMismatch(metric: "accuracy", first: "yTrue", firstCount: 3, second: "yPred", secondCount: 2)) {
            try accuracy([0, 1, 1], [0, 1])
        }
        #expect(throws: MetricError.empty(metric: "mean squared error")) { try meanSquaredError([Double](), [Double]()) }
        #expect(throws: MetricError.self) { try rocAUC([1, 1, 1], scores: [0.1, 0.2, 0.3]) }     // one class
        #expect(throws: MetricError.self) { try rocAUC([0, 1, 1], classScores: [[0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]]) }
        #expect(throws: MetricError.self) { try logLoss([0, 1], probabilities: [0.5, 1.5]) }
        #expect(throws: MetricError.self) { try logLoss([0, 2], probabilities: [0.5, 0.5]) }
        #expect(throws: MetricError.self) { try accuracy([0, 3], classScores: [[0.5, 0.5], [0.2, 0.8]]) }
        #expect(throws: MetricError.self) { try topKAccuracy([0], classScores: [[1.0]], k: 0) }
        #expect(throws: MetricError.self) { try meanAbsoluteError([1.0, .nan], [1.0, 2.0]) }
        #expect(throws: MetricError.self) { try accuracy(IntTensor(shape: [1, 2], scalars: [0, 1]), [0, 1]) }
        #expect(throws: MetricError.self) { try accuracy([0, 1], classScores: Tensor([0.2, 0.8])) }
        #expect(throws: MetricError.self) { try ConfusionMatrix([0, -1], [0, 0]) }
        #expect(throws: MetricError.self) { try RankingMetrics.ndcg(relevance: [[1.0, 2]], scores: [[1.0, 2, 3]]) }
        #expect(throws: MetricError.self) { try CalibrationReport([0, 1], probabilities: [0.2, 0.9], binCount: 0) }
        let message = MetricError.lengthMismatch(metric: "accuracy", first: "yTrue", firstCount: 3, second: "yPred", secondCount: 2).description
        #expect(message == "accuracy: yTrue has 3 elements but yPred has 2")
    }

    @Test func confusionMatrixKeepsAbsentClasses() throws {
        let m = try ConfusionMatrix([0, 2, 2], [0, 0, 2], classCount: 4)
        #expect(m.counts == [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
        #expect(m.support == [1, 0, 2, 0] && m.predicted == [2, 0, 1, 0])
        #expect(m.rowNormalized[2] == [0.5, 0, 0.5, 0] && m.rowNormalized[1] == [0, 0, 0, 0])
    }

    @Test func calibrationEdgesLandInTheBinTheyClose() throws {
        // Confidences exactly 0.5, 0.7 and 1.0 belong to the bins (0.4, 0.5], (0.6, 0.7], (0.9, 1.0].
        let report = try CalibrationReport([0, 1, 1], classProbabilities: [[0.5, 0.5], [0.3, 0.7], [0.0, 1.0]])
        #expect(report.bins.map(\.count) == [0, 0, 0, 0, 1, 0, 1, 0, 0, 1])
        #expect(close(report.expectedCalibrationError, (0.5 + 0.3 + 0.0) / 3))
        #expect(close(report.maximumCalibrationError, 0.5))
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval

/// Every entry of the scikit-learn reference file, computed by Synapse in Double.
@Suite struct MetricsGoldenTests {
    /// Computes the metric named by a `results` key from the fixture's data.
    static func compute(_ key: String, _ g: MetricsGolden) throws -> Double {
        let bTrue = try g.ints("binary", "y_true"), bScore = try g.doubles("binary", "y_score"), bPred = try g.ints("binary", "y_pred")
        let mTrue = try g.ints("multiclass", "y_true"), mProb = try g.matrix("multiclass", "y_prob"), mPred = try g.ints("multiclass", "y_pred")
        let rTrue = try g.doubles("regression", "y_true"), rPred = try g.doubles("regression", "y_pred")
        switch key {
        case "accuracy_binary": return try accuracy(bTrue, bPred)
        case "precision_binary": return try precision(bTrue, bPred)
        case "recall_binary": return try recall(bTrue, bPred)
        case "f1_binary": return try f1Score(bTrue, bPred)
        case "accuracy_multiclass": return try accuracy(mTrue, mPred)
        case "precision_macro": return try precision(mTrue, mPred, average: .macro, classCount: 4)
        case "recall_macro": return try recall(mTrue, mPred, average: .macro, classCount: 4)
        case "f1_macro": return try f1Score(mTrue, mPred, average: .macro, classCount: 4)
        case "precision_micro": return try precision(mTrue, mPred, average: .micro, classCount: 4)
        case "recall_micro": return try recall(mTrue, mPred, average: .micro, classCount: 4)
        case "f1_micro": return try f1Score(mTrue, mPred, average: .micro, classCount: 4)
        case "precision_weighted": return try precision(mTrue, mPred, average: .weighted, classCount: 4)
        case "recall_weighted": return try recall(mTrue, mPred, average: .weighted, classCount: 4)
        case "f1_weighted": return try f1Score(mTrue, mPred, average: .weighted, classCount: 4)
        case "roc_auc_binary": return try rocAUC(bTrue, scores: bScore)
        case "roc_auc_ovr_macro": return try rocAUC(mTrue, classScores: mProb, average: .macro)
        case "average_precision_binary": return try averagePrecision(bTrue, scores: bScore)
        case "log_loss_binary": return try logLoss(bTrue, probabilities: bScore)
        case "log_loss_multiclass": return try logLoss(mTrue, classProbabilities: mProb)
        case "mean_absolute_error": return try meanAbsoluteError(rTrue, rPred)
        case "mean_squared_error": return try meanSquaredError(rTrue, rPred)
        case "r2_score": return try r2Score(rTrue, rPred)
        case "mean_absolute_percentage_error": return try meanAbsolutePercentageError(rTrue, rPred)
        case "ndcg_at_5":
            return try RankingMetrics.ndcg(relevance: try g.matrix("ranking", "y_true"), scores: try g.matrix("ranking", "y_score"), k: 5)
        case "ece_10bin_multiclass": return try expectedCalibrationError(mTrue, classProbabilities: mProb)
        case "ece_10bin_binary": return try expectedCalibrationError(bTrue, probabilities: bScore)
        default: throw Golden.Failure("no Synapse computation for golden metric '\(key)'")
        }
    }

    static let matrixKeys: Set<String> = ["confusion_matrix_binary", "confusion_matrix_multiclass"]

    @Test func everyScalarEntryMatches() throws {
        let g = try MetricsGolden.load()
        let keys = g.results.keys.filter { !Self.matrixKeys.contains($0) }.sorted()
        #expect(keys.count == 26)
        for key in keys {
            let expected = try g.value(key)
            let actual = try Self.compute(key, g)
            #expect(close(actual, expected), "\(key): Synapse \(actual), scikit-learn \(expected)")
        }
    }

    @Test func confusionMatricesAreExact() throws {
        let g = try MetricsGolden.load()
        let binary = try ConfusionMatrix(try g.ints("binary", "y_true"), try g.ints("binary", "y_pred"), classCount: 2)
        #expect(binary.counts == (try g.intMatrix("confusion_matrix_binary")))
        let multi = try ConfusionMatrix(try g.ints("multiclass", "y_true"), try g.ints("multiclass", "y_pred"), classCount: 4)
        #expect(multi.counts == (try g.intMatrix("confusion_matrix_multiclass")))
    }

    @Test(arguments: ["ece_10bin_multiclass", "ece_10bin_binary"])
    func calibrationBinsMatch(key: String) throws {
        let g = try MetricsGolden.load()
        let report = key.hasSuffix("binary")
            ? try CalibrationReport(try g.ints("binary", "y_true"), probabilities: try g.doubles("binary", "y_score"))
            : try CalibrationReport(try g.ints("multiclass", "y_true"), classProbabilities: try g.matrix("multiclass", "y_prob"))
        let bins = try g.bins(key)
        #expect(report.bins.count == bins.count)
        for (mine, ref) in zip(report.bins, bins) {
            #expect(mine.count == (ref["count"] as? NSNumber)?.intValue)
            #expect(close(mine.lower, (ref["lower"] as? NSNumber)?.doubleValue ?? .nan))
            #expect(close(mine.upper, (ref["upper"] as? NSNumber)?.doubleValue ?? .nan))
            if let acc = ref["accuracy"] as? NSNumber, let conf = ref["mean_confidence"] as? NSNumber {
                #expect(close(mine.accuracy ?? .nan, acc.doubleValue), "\(key) bin \(mine.lower): accuracy")
                #expect(close(mine.meanConfidence ?? .nan, conf.doubleValue), "\(key) bin \(mine.lower): confidence")
            } else {
                #expect(mine.accuracy == nil && mine.meanConfidence == nil)
            }
        }
    }

    /// The same metrics from Float32 tensors, within the fixture's Float32 tolerance.
    @Test func tensorInputsMatchInFloat32Tolerance() throws {
        let g = try MetricsGolden.load()
        let mTrue = IntTensor(try g.ints("multiclass", "y_true"))
        let mProb = Tensor(try g.matrix("multiclass", "y_prob").map { $0.map(Float.init) })
        let bTrue = IntTensor(try g.ints("binary", "y_true"))
        let bScore = Tensor(try g.doubles("binary", "y_score").map(Float.init))
        let rTrue = Tensor(try g.doubles("regression", "y_true").map(Float.init))
        let rPred = Tensor(try g.doubles("regression", "y_pred").map(Float.init))
        func check(_ actual: Double, _ key: String) throws {
            let expected = try g.value(key)
            #expect(close(actual, expected, rtol: 1e-5, atol: 1e-6), "\(key) from tensors: \(actual) vs \(expected)")
        }
        try check(try accuracy(mTrue, classScores: mProb), "accuracy_multiclass")
        try check(try rocAUC(mTrue, classScores: mProb), "roc_auc_ovr_macro")
        try check(try logLoss(mTrue, classProbabilities: mProb), "log_loss_multiclass")
        try check(try expectedCalibrationError(mTrue, classProbabilities: mProb), "ece_10bin_multiclass")
        try check(try rocAUC(bTrue, scores: bScore), "roc_auc_binary")
        try check(try averagePrecision(bTrue, scores: bScore), "average_precision_binary")
        try check(try logLoss(bTrue, probabilities: bScore), "log_loss_binary")
        try check(try r2Score(rTrue, rPred), "r2_score")
        try check(try meanAbsoluteError(rTrue, rPred), "mean_absolute_error")
        try check(try meanAbsolutePercentageError(rTrue, rPred), "mean_absolute_percentage_error")
        let summary = try ClassificationSummary(labels: mTrue, probabilities: mProb)
        try check(summary.accuracy, "accuracy_multiclass")
        try check(try summary.scores.f1Score(.weighted), "f1_weighted")
        try check(summary.rocAUCMacro ?? .nan, "roc_auc_ovr_macro")
    }
}

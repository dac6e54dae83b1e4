import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseNN

/// Test-split metrics of a trained tabular model, shared by the training job (which prints them)
/// and the evaluation job (which reports them), so both give the same numbers.
public enum TabularTestMetrics {
    /// What `MetricError.empty` names when the test split has no rows.
    static let emptyTestSplit = "test metrics (the test split is empty; give the test part a fraction that yields rows)"

    /// Class probabilities of `model` on the test split, and the metrics of `ClassificationSummary`
    /// by short names: `accuracy`, `precision`/`recall`/`f1` (binary: class 1 positive, as
    /// scikit-learn), `macro_f1`, `roc_auc`, `average_precision`, `log_loss`, `ece`.
    /// - Throws: `MetricError.empty` for an empty test split (its metrics are undefined, not 0).
    public static func classification(model: some Layer, test: TensorDataset) throws(MetricError)
        -> (predictions: ClassifierPredictions, summary: ClassificationSummary, metrics: [String: Double]) {
        guard test.count > 0 else { throw .empty(metric: emptyTestSplit) }
        let predictions = ClassifierPredictions(model: model, dataset: test)
        let s = try ClassificationSummary(labels: predictions.labels, probabilities: predictions.probabilities)
        return (predictions, s, try classificationMetrics(s))
    }

    /// The metrics of `summary` by the short names of `classification(model:test:)`, each with `prefix`.
    public static func classificationMetrics(_ s: ClassificationSummary, prefix: String = "") throws(MetricError) -> [String: Double] {
        var m: [String: Double] = ["accuracy": s.accuracy, "log_loss": s.logLoss, "ece": s.expectedCalibrationError,
                                   "macro_f1": try s.scores.f1Score(.macro)]
        if s.classCount == 2 {
            m["precision"] = try s.scores.precisionScore(.binary(positive: 1))
            m["recall"] = try s.scores.recallScore(.binary(positive: 1))
            m["f1"] = try s.scores.f1Score(.binary(positive: 1))
            m["roc_auc"] = s.rocAUCPerClass[1]
            m["average_precision"] = s.averagePrecisionPerClass[1]
        } else {
            m["roc_auc"] = s.rocAUCMacro
            m["average_precision"] = s.averagePrecisionMacro
        }
        return Dictionary(uniqueKeysWithValues: m.map { (prefix + $0.key, $0.value) })
    }

    /// The classification baselines, fitted on `train` and scored on `test` (the network's split):
    /// the class-prior classifier ("majority"), L2 logistic regression with C = 1 ("logistic
    /// regression") and histogram gradient-boosted trees early-stopped on `validation` ("gradient
    /// boosting"), in that order.
    /// - Throws: `BaselineError` when a baseline cannot be fitted, `MetricError` for an empty test split.
    public static func classificationBaselines(train: TensorDataset, validation: TensorDataset?, test: TensorDataset,
                                               classCount: Int) throws -> [(name: String, summary: ClassificationSummary)] {
        guard test.count > 0 else { throw MetricError.empty(metric: emptyTestSplit) }
        let (trainRows, testRows) = (rows(train.features), rows(test.features))
        let (trainLabels, testLabels) = (train.labels.scalars, test.labels.scalars)
        let majority = try MajorityClassifier.fit(labels: trainLabels, classCount: classCount)
        let logistic = try LogisticRegression.fit(features: trainRows, labels: trainLabels, classCount: classCount)
        let trees = try GradientBoostedTrees.fitClassifier(
            features: trainRows, labels: trainLabels, classCount: classCount,
            validation: validation.flatMap { $0.count > 0 ? (rows($0.features), $0.labels.scalars) : nil })
        return [("majority", try ClassificationSummary(labels: testLabels, probabilities: majority.probabilities(count: testRows.count))),
                ("logistic regression", try ClassificationSummary(labels: testLabels, probabilities: logistic.probabilities(testRows))),
                ("gradient boosting", try ClassificationSummary(labels: testLabels, probabilities: trees.probabilities(testRows)))]
    }

    /// Histogram gradient-boosted trees fitted on `train` (scaled targets), early-stopped on
    /// `validation`, predicting `test` in original units (`invert`): the regression baseline
    /// "gradient boosting".
    /// - Throws: `BaselineError` when the trees cannot be fitted.
    public static func gradientBoostingRegression(train: RegressionDataset, validation: RegressionDataset?, test: RegressionDataset,
                                                  invert: (Double) -> Double) throws -> [Double] {
        let trees = try GradientBoostedTrees.fitRegressor(
            features: rows(train.features), targets: train.targets.scalars.map(Double.init),
            validation: validation.flatMap { $0.count > 0 ? (rows($0.features), $0.targets.scalars.map(Double.init)) : nil })
        return trees.predictions(rows(test.features)).map(invert)
    }

    /// The rows of a 2-D (or flattened) tensor.
    static func rows(_ t: Tensor) -> [[Float]] {
        let scalars = t.contiguous().scalars, n = t.shape[0], width = scalars.count / max(n, 1)
        return (0..<n).map { Array(scalars[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// Predictions of `model` on `test` in original units (`invert` maps the scaled outputs back).
    /// - Throws: `MetricError.empty` for an empty test split (its metrics are undefined, not NaN).
    public static func regressionPredictions(model: some Layer, test: RegressionDataset,
                                             invert: (Double) -> Double) throws(MetricError) -> [Double] {
        guard test.count > 0 else { throw .empty(metric: emptyTestSplit) }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return withoutGradients { model(test.features) }.scalars.map { invert(Double($0)) }
    }

    /// `mae`, `mse`, `rmse`, `r2`, `mape` of `summary`, with `prefix` on each name.
    public static func regression(_ summary: RegressionSummary, prefix: String = "") -> [String: Double] {
        Dictionary(uniqueKeysWithValues: summary.values.map { (prefix + $0.name, $0.value) })
    }

    /// The baselines' metrics, named `<baseline>_<metric>` with spaces as underscores
    /// (`persistence_rmse`, `training_mean_r2`).
    public static func baselines(_ baselines: [(name: String, predictions: [Double])], targets: [Double]) throws(MetricError) -> [String: Double] {
        var out: [String: Double] = [:]
        for b in baselines {
            let s = try RegressionSummary(targets: targets, predictions: b.predictions)
            out.merge(regression(s, prefix: b.name.replacingOccurrences(of: " ", with: "_") + "_")) { a, _ in a }
        }
        return out
    }
}

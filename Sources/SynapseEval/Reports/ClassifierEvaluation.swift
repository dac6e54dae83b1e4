import Foundation
import SynapseCore
import SynapseData
import SynapseNN

extension EvaluationReport {
    /// The evaluation report of an image classifier on `dataset` (its test split, say): runs the
    /// model in evaluation mode without gradients, then reports every metric, and slices by true
    /// class and by mean-brightness quartile, highlighting the slice with the lowest accuracy.
    /// - Parameters:
    ///   - classNames: names by label (shown everywhere instead of numbers).
    ///   - details: facts shown under the title (dataset, model, weights).
    /// - Throws: `MetricError` when the model's outputs do not fit the labels (a model built for
    ///   fewer classes than the dataset has, say).
    public static func imageClassifier(model: some Layer, dataset: TensorDataset, classNames: [String],
                                       title: String = "Evaluation report",
                                       details: [(name: String, value: String)] = [],
                                       batchSize: Int = 1000) throws(MetricError) -> EvaluationReport {
        let predictions = ClassifierPredictions(model: model, dataset: dataset, batchSize: batchSize)
        let names = (0..<max(classNames.count, (predictions.labels.max() ?? 0) + 1)).map { $0 < classNames.count ? classNames[$0] : String($0) }
        let byClass = try ClassificationSlices(name: "true class", labels: predictions.labels, probabilities: predictions.probabilities,
                                               keys: predictions.labels.map { names[$0] }, order: names, metric: .accuracy)
        let byBrightness = try ClassificationSlices(name: "image brightness", labels: predictions.labels,
                                                    probabilities: predictions.probabilities,
                                                    keys: ImageSlices.brightnessBuckets(dataset.features), metric: .accuracy)
        return try EvaluationReport(title: title, details: details + [("examples", String(dataset.count))], classNames: names,
                                    labels: predictions.labels, probabilities: predictions.probabilities,
                                    slices: [byClass, byBrightness])
    }
}

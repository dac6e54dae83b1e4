import SynapseCore
import SynapseData

extension TrainingObjective where Batch == TextClassificationBatch {
    /// Text classification with cross-entropy: `logits` maps a batch's encodings to `[B, classes]`
    /// (e.g. a `BertSequenceClassifier`); predictions are the logits.
    public static func textClassification(_ logits: @escaping (BertBatch) -> Tensor, labelSmoothing: Float = 0) -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let predictions = logits(batch.encodings)
            return (predictions, crossEntropy(predictions, batch.labels, labelSmoothing: labelSmoothing))
        }, targets: { $0.labels.asFloat })
    }
}

import SynapseCore
import SynapseData
import SynapseNN

/// A classifier's predicted class probabilities on a dataset, with the labels: the input of every
/// classification metric and report.
public struct ClassifierPredictions: Sendable {
    /// True labels, one per example.
    public let labels: [Int]
    /// Softmax probabilities `[N][C]`, in `Double`.
    public let probabilities: [[Double]]

    /// Runs `model` over `dataset` in batches, in evaluation mode (dropout off, batch-norm running
    /// statistics) and without recording gradients, and applies softmax to the logits. The model's
    /// training flag is restored afterwards.
    public init(model: some Layer, dataset: TensorDataset, batchSize: Int = 1000) {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var probabilities: [[Double]] = []
        probabilities.reserveCapacity(dataset.count)
        withoutGradients {
            var start = 0
            while start < dataset.count {
                let end = min(start + max(batchSize, 1), dataset.count)
                let batch = dataset.batch(Array(start..<end))
                let p = softmax(model(batch.features), dim: 1)
                let classes = p.shape[1]
                let values = p.scalars
                for r in 0..<(end - start) { probabilities.append(values[(r * classes)..<((r + 1) * classes)].map(Double.init)) }
                start = end
            }
        }
        labels = dataset.labels.scalars
        self.probabilities = probabilities
    }

    /// Wraps labels and probabilities computed elsewhere.
    public init(labels: [Int], probabilities: [[Double]]) {
        self.labels = labels
        self.probabilities = probabilities
    }
}

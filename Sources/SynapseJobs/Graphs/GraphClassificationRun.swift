import Foundation
import SynapseCore
import SynapseData
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What a graph-classification run reached.
public struct GraphClassificationResult: Sendable {
    /// Every trained epoch's logs.
    public let history: TrainingHistory
    /// Accuracy on the test graphs with the final weights.
    public let testAccuracy: Double
    /// Accuracy on the validation graphs.
    public let validationAccuracy: Double
    /// The share of the test graphs in the training set's most frequent class (what always
    /// answering that class would score).
    public let majorityBaseline: Double
    /// Training, validation and test graphs.
    public let sizes: (train: Int, validation: Int, test: Int)
    /// Where the weights were saved.
    public let weights: URL
}

extension GraphTrainingJob {
    /// Trains a graph classifier (`GraphClassifier`: three message-passing layers, mean pooling, a
    /// linear head) on mini-batches of small graphs — each batch one `GraphBatch`, the graphs
    /// stacked as disconnected parts — and measures the test graphs.
    /// - Throws: `PipelineError` (options), `DataError` (the graphs), `CheckpointError`,
    ///   `TrainingError` (divergence), I/O errors of the outputs.
    /// - Parameter data: the collection when already loaded (`loadCollection()`); nil loads it.
    @discardableResult
    public func runGraphClassification(data loaded: (train: GraphCollection, validation: GraphCollection, test: GraphCollection)? = nil)
        throws -> GraphClassificationResult {
        let o = options
        guard o.task == .graphClassification else {
            throw PipelineError.invalidOption(name: "task", reason: "runGraphClassification() needs the graph-classification task")
        }
        try o.validate()
        let data = try loaded ?? loadCollection()
        let inputSize = data.train.featureNames.count
        manualSeed(o.seed)
        let model = GraphClassifier(kind: o.kind, inputSize: inputSize, hidden: o.effectiveHidden, classes: data.train.classNames.count,
                                    heads: o.effectiveHeads, dropout: o.dropout, generator: RandomGenerator(seed: o.seed))
        log("synapse train: \(data.train.name) (\(data.train.count) training, \(data.validation.count) validation and \(data.test.count) test "
            + "graphs, \(data.train.classNames.count) classes, \(inputSize) node features), \(model) (\(model.parameterCount) parameters), "
            + "batches of \(o.effectiveBatchSize) graphs")
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate, weightDecay: o.weightDecay)
        let objective = TrainingObjective<GraphBatch>(forward: { batch in
            let logits = model(batch.features, edges: batch.edges, batch: batch.batch, graphCount: batch.graphCount)
            return (logits, crossEntropy(logits, batch.labels))
        }, targets: { $0.labels.asFloat })
        let train = GraphSet(data.train), validation = GraphSet(data.validation)
        let trainLoader = DataLoader(train, batchSize: o.effectiveBatchSize, shuffle: true, seed: o.seed)
        let validationLoader = DataLoader(validation, batchSize: 256)
        try trainLoader.validateNotEmpty(name: "\(data.train.name) training graphs")
        let trainer = try makeTrainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader,
                                      validation: validationLoader, metrics: TrainingMetrics.accuracy)
        let history = try trainer.fit(epochs: o.epochs)
        try save(model, name: data.train.name, inputSize: inputSize, history: history, metadata: [
            "task": GraphTask.graphClassification.rawValue, "classes": String(data.train.classNames.count),
            "class_names": (try? JSONSerialization.data(withJSONObject: data.train.classNames)).map { String(decoding: $0, as: UTF8.self) } ?? "[]",
            "pooling": model.pooling.rawValue, "feature_names": data.train.featureNames.joined(separator: ","),
        ])

        model.eval()
        func accuracy(_ collection: GraphCollection) -> Double {
            var correct = 0
            for start in stride(from: 0, to: collection.count, by: 256) {
                let batch = GraphBatch(Array(collection.graphs[start..<min(start + 256, collection.count)]))
                let predicted = withoutGradients {
                    model(batch.features, edges: batch.edges, batch: batch.batch, graphCount: batch.graphCount)
                }.argmax(dim: 1).scalars
                correct += zip(predicted, batch.labels.scalars).filter { $0 == $1 }.count
            }
            return Double(correct) / Double(max(collection.count, 1))
        }
        let testAccuracy = accuracy(data.test), validationAccuracy = accuracy(data.validation)
        var counts = [Int](repeating: 0, count: data.train.classNames.count)
        for g in data.train.graphs { counts[g.label] += 1 }
        let majority = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        let baseline = Double(data.test.graphs.filter { $0.label == majority }.count) / Double(max(data.test.count, 1))
        log(String(format: "test: accuracy %.4f on %d graphs (validation %.4f on %d; ", testAccuracy, data.test.count,
                   validationAccuracy, data.validation.count)
            + "always \"\(data.train.classNames[majority])\": " + String(format: "%.4f)", baseline))
        return GraphClassificationResult(history: history, testAccuracy: testAccuracy, validationAccuracy: validationAccuracy,
                                         majorityBaseline: baseline, sizes: (data.train.count, data.validation.count, data.test.count),
                                         weights: o.output)
    }
}

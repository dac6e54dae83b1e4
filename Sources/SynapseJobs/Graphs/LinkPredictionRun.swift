import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What a link-prediction run reached.
public struct LinkPredictionResult: Sendable {
    /// Every trained epoch's logs (`val_auc` among them).
    public let history: TrainingHistory
    /// ROC-AUC of the held-out test edges against as many non-edges, with the final weights.
    public let testAUC: Double
    /// Average precision on the same pairs.
    public let testAveragePrecision: Double
    /// ROC-AUC on the validation pairs.
    public let validationAUC: Double
    /// Nodes, undirected edges of the whole graph, training edges, validation and test edges (each with as many negatives).
    public let sizes: (nodes: Int, edges: Int, trainingEdges: Int, validationEdges: Int, testEdges: Int)
    /// Where the weights were saved.
    public let weights: URL
}

extension GraphTrainingJob {
    /// Trains a link predictor (`GraphLinkPredictor`, the graph auto-encoder of PyG's `link_pred.py`)
    /// and measures it on held-out edges — the "is this connection between two accounts expected?"
    /// question. The edges are split by `LinkSplit` (5% validation, 10% test, each with as many
    /// non-edges); the encoder passes messages along the training edges only; each step scores the
    /// training edges against as many freshly drawn non-edges of the training graph (so a held-out
    /// edge is never revealed, not even as "not a negative") with binary cross-entropy on the logits.
    /// The per-epoch `val_auc` is the validation pairs' ROC-AUC.
    /// - Throws: `PipelineError` (options), `DataError` (the graph), `CheckpointError`,
    ///   `TrainingError` (divergence), I/O errors of the outputs.
    /// - Parameter graph: the graph when already loaded (`loadGraph()`); nil loads it.
    @discardableResult
    public func runLinkPrediction(graph loaded: NodeClassificationGraph? = nil) throws -> LinkPredictionResult {
        let o = options
        guard o.task == .linkPrediction else {
            throw PipelineError.invalidOption(name: "task", reason: "runLinkPrediction() needs the link-prediction task")
        }
        try o.validate()
        let graph = try loaded ?? loadGraph()
        let split = try LinkSplit(edges: graph.edges, validationFraction: o.heldOut.validation, testFraction: o.heldOut.test,
                                  seed: o.seed, name: graph.name)
        manualSeed(o.seed)
        let model = GraphLinkPredictor(kind: o.kind, inputSize: graph.features.shape[1], hidden: o.effectiveHidden, embedding: o.embedding,
                                       heads: o.effectiveHeads, dropout: o.dropout, generator: RandomGenerator(seed: o.seed))
        log("synapse train: \(graph.name) link prediction (\(graph.nodeCount) nodes, \(split.trainingPairs.count) training edges, "
            + "\(split.validation.count / 2) validation and \(split.test.count / 2) test edges, each with as many non-edges), "
            + "\(model) (\(model.parameterCount) parameters)")
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate, weightDecay: o.weightDecay)
        let edges = split.trainingEdges, features = graph.features, seed = o.seed
        let n = graph.nodeCount
        let negatives = NegativeSampler(nodeCount: n, excluded: Set(split.trainingPairs.map { $0.0 * n + $0.1 }))
        let objective = TrainingObjective<NodePairSet.Batch>(forward: { batch in
            var sources = batch.sources, targets = batch.targets, labels = batch.labels
            if batch.drawsNegatives {
                let generator = Self.batchGenerator(seed: seed, nodes: batch.sources + batch.targets)
                for _ in 0..<batch.sources.count {
                    let (u, v) = negatives.draw(generator: generator)
                    sources.append(u); targets.append(v); labels.append(0)
                }
            }
            let logits = model(features, edges: edges, sources: sources, targets: targets)
            return (logits, binaryCrossEntropyWithLogits(logits, Tensor(shape: [labels.count], scalars: labels)))
        }, targets: { Tensor(shape: [$0.labels.count], scalars: $0.labels) })
        let train = NodePairSet(positives: split.trainingPairs)
        let validation = NodePairSet(split.validation)
        // One batch: the encoder runs on the whole training graph once per step, as in PyG's example.
        let trainLoader = DataLoader(train, batchSize: train.count, shuffle: true, seed: o.seed)
        let validationLoader = DataLoader(validation, batchSize: validation.count)
        let trainer = try makeTrainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader,
                                      validation: validationLoader, metrics: Self.linkMetrics)
        let history = try trainer.fit(epochs: o.epochs)
        try save(model, name: graph.name, inputSize: graph.features.shape[1], history: history, metadata: [
            "task": GraphTask.linkPrediction.rawValue, "embedding": String(o.embedding), "split_seed": String(o.seed),
        ])

        model.eval()
        let z = withoutGradients { model.encode(features, edges: edges) }
        func scores(_ pairs: LinkSplit.LabelledPairs) -> [Float] { model.decode(z, sources: pairs.sources, targets: pairs.targets).scalars }
        let testScores = scores(split.test), validationScores = scores(split.validation)
        let testLabels = split.test.labels.map { Int($0) }
        let testAUC = try ROCCurve(testLabels, scores: testScores).area
        let testAP = try PrecisionRecallCurve(testLabels, scores: testScores).averagePrecision
        let validationAUC = try ROCCurve(split.validation.labels.map { Int($0) }, scores: validationScores).area
        log(String(format: "test: ROC-AUC %.4f, average precision %.4f on %d held-out edges and %d non-edges (validation ROC-AUC %.4f)",
                   testAUC, testAP, split.test.count / 2, split.test.count / 2, validationAUC))
        return LinkPredictionResult(history: history, testAUC: testAUC, testAveragePrecision: testAP, validationAUC: validationAUC,
                                    sizes: (n, graph.edges.count / 2, split.trainingPairs.count, split.validation.count / 2, split.test.count / 2),
                                    weights: o.output)
    }

    /// `auc`: the ROC-AUC of logits against 0/1 targets (0.5 when one class is missing).
    static func linkMetrics(_ predictions: Tensor, _ targets: Tensor) -> [String: Double] {
        let labels = targets.scalars.map { Int($0) }
        return ["auc": (try? ROCCurve(labels, scores: predictions.scalars).area) ?? 0.5]
    }
}

import Foundation
import SynapseCore
import SynapseData
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// What a node-classification run reached.
public struct GraphTrainingResult: Sendable {
    /// Every trained epoch's logs.
    public let history: TrainingHistory
    /// Accuracy on the test nodes with the final weights.
    public let testAccuracy: Double
    /// Accuracy on the training nodes.
    public let trainAccuracy: Double
    /// Each test node's predicted class.
    public let testPredictions: [(node: String, predicted: String, label: String)]
    /// Nodes, edges (each direction counted), training and test nodes.
    public let sizes: (nodes: Int, edges: Int, train: Int, test: Int)
    /// Where the weights were saved.
    public let weights: URL
}

/// Trains a graph network for node classification — the job behind `synapse train --dataset
/// karate --model gcn|sage|gat`. Semi-supervised, as in Kipf and Welling: every step runs the model
/// on the whole graph and the loss reads the training nodes only, through the same `Trainer` as
/// every other task (Adam with L2 weight decay, schedules, clipping, checkpoints, resume, logs). The
/// graph has no validation nodes, so the per-epoch `val_` logs are the test nodes' (as the image
/// datasets' are their test split's) and early stopping, which would select on them, is refused.
public final class GraphTrainingJob {
    /// The run's options.
    public let options: GraphTrainingOptions
    /// Where progress lines go.
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: GraphTrainingOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads the graph (checking it is installed and well formed).
    /// - Throws: `DataError`.
    public func loadGraph() throws -> NodeClassificationGraph {
        switch options.dataset {
        case .karate: try KarateClub.load()
        }
    }

    /// Checks a `--resume` checkpoint against the options before anything is written.
    /// - Throws: `CheckpointError`, `PipelineError.invalidOption` listing what differs.
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    /// Trains, saves the weights and measures the test nodes.
    /// - Throws: `PipelineError` (options), `DataError` (the graph), `CheckpointError`,
    ///   `TrainingError` (divergence), I/O errors of the outputs.
    @discardableResult
    public func run() throws -> GraphTrainingResult {
        let o = options
        try o.validate()
        let graph = try loadGraph()
        if o.controls.patience > 0, graph.validationNodes.isEmpty {
            throw PipelineError.invalidOption(name: "patience", reason: "\(graph.name) has no validation nodes (its per-epoch val_ logs "
                + "are the test nodes'): early stopping would choose the epoch on the test nodes")
        }
        manualSeed(o.seed)
        let model = GraphNodeClassifier(kind: o.kind, inputSize: graph.features.shape[1], hidden: o.effectiveHidden,
                                        classes: graph.classNames.count, heads: o.heads, dropout: o.dropout,
                                        generator: RandomGenerator(seed: o.seed))
        log("synapse train: \(graph.name) (\(graph.nodeCount) nodes, \(graph.edges.count / 2) undirected edges, "
            + "\(graph.classNames.count) classes; \(graph.trainNodes.count) training nodes, \(graph.testNodes.count) test nodes), "
            + "\(model) (\(model.parameterCount) parameters)")
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate, weightDecay: o.weightDecay)
        let edges = graph.edges, features = graph.features
        let objective = TrainingObjective<NodeSet.Batch>(forward: { batch in
            let logits = model(features, edges: edges).indexSelect(dim: 0, index: IntTensor(batch.nodes))
            return (logits, crossEntropy(logits, batch.labels))
        }, targets: { $0.labels.asFloat })
        let train = NodeSet(nodes: graph.trainNodes, labels: graph.labels)
        let monitored = NodeSet(nodes: graph.validationNodes.isEmpty ? graph.testNodes : graph.validationNodes, labels: graph.labels)
        let trainLoader = DataLoader(train, batchSize: max(train.count, 1))
        let validationLoader = DataLoader(monitored, batchSize: max(monitored.count, 1))
        try trainLoader.validateNotEmpty(name: "\(graph.name) training nodes")
        let controls = o.controls
        var (callbacks, _) = LoopCallbacks.training(controls, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                    totalSteps: o.epochs)
        if controls.showProgress { callbacks.append(ProgressBarCallback()) }
        callbacks.append(EpochLinePrinter(every: max(o.epochs / 10, 1), log: log))
        callbacks += try LoopCallbacks.logging(controls, batchScalars: false)
        callbacks += LoopCallbacks.checkpoints(controls, hyperparameters: o.hyperparameters, every: max(1, o.epochs / 20))
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader, validation: validationLoader,
                              metrics: TrainingMetrics.accuracy, callbacks: callbacks)
        if let resume = controls.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let history = try trainer.fit(epochs: o.epochs)

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let classNames = (try? JSONSerialization.data(withJSONObject: graph.classNames)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        try model.save(to: o.output, metadata: [
            "dataset": graph.name, "model": o.kind.rawValue, "hidden": String(o.effectiveHidden), "heads": String(model.heads),
            "dropout": String(o.dropout), "input_size": String(graph.features.shape[1]), "classes": String(graph.classNames.count),
            "class_names": classNames, "epochs": String(history.records.count), "seed": String(o.seed), "task": "node-classification",
        ])
        log("saved weights to \(o.output.path)")
        if let dir = controls.logDirectory {
            let files = try TrainingCurvesPlot(history: history, title: graph.name).write(to: dir)
            log("wrote logs to \(dir.path) (history.jsonl, history.csv, TensorBoard events, \(files.map(\.lastPathComponent).joined(separator: ", ")))")
        }

        model.eval()
        let predicted = withoutGradients { model(features, edges: edges) }.argmax(dim: 1).scalars
        func accuracy(_ nodes: [Int]) -> Double {
            Double(nodes.filter { predicted[$0] == graph.labels[$0] }.count) / Double(max(nodes.count, 1))
        }
        let testAccuracy = accuracy(graph.testNodes), trainAccuracy = accuracy(graph.trainNodes)
        log(String(format: "test: accuracy %.4f on %d nodes (train %.4f on %d)", testAccuracy, graph.testNodes.count, trainAccuracy,
                   graph.trainNodes.count))
        let rows = graph.testNodes.map { (graph.nodeNames[$0], graph.classNames[predicted[$0]], graph.classNames[graph.labels[$0]]) }
        return GraphTrainingResult(history: history, testAccuracy: testAccuracy, trainAccuracy: trainAccuracy, testPredictions: rows,
                                   sizes: (graph.nodeCount, graph.edges.count, graph.trainNodes.count, graph.testNodes.count),
                                   weights: o.output)
    }

    private var resumeGuard: ResumeGuard {
        ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log)
    }
}

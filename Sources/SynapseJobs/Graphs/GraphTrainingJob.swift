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
    /// Accuracy on the validation nodes (nil when the graph has none).
    public let validationAccuracy: Double?
    /// Each test node's predicted class.
    public let testPredictions: [(node: String, predicted: String, label: String)]
    /// Nodes, edges (each direction counted), training and test nodes.
    public let sizes: (nodes: Int, edges: Int, train: Int, test: Int)
    /// Validation nodes.
    public let validationNodes: Int
    /// Where the weights were saved.
    public let weights: URL
}

/// Trains a graph network — the job behind `synapse train --dataset karate|cora --model
/// gcn|sage|gat [--task link-prediction]` — through the same `Trainer` as every other task (Adam
/// with L2 weight decay, schedules, clipping, checkpoints, resume, logs).
///
/// Node classification (`run()`) is semi-supervised, as in Kipf and Welling: every step runs the
/// model on the whole graph and the loss reads the training nodes only — or, with `fanouts`, each
/// mini-batch of training nodes runs on its sampled neighbourhoods (`NeighborSampler`). The per-epoch
/// `val_` logs are the validation nodes'; a graph without them (karate) logs its test nodes there,
/// for watching only: early stopping, which would select on them, is refused. Link prediction:
/// `runLinkPrediction()`.
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
        case .cora: try CoraCitations.load()
        case .solubility:
            throw PipelineError.invalidOption(name: "dataset", reason: "solubility is a collection of molecules, not one graph: "
                                              + "use loadCollection()")
        }
    }

    /// Loads a collection of small graphs (the training, validation and test molecules).
    /// - Throws: `DataError`, or `PipelineError` for a dataset that is one graph.
    public func loadCollection() throws -> (train: GraphCollection, validation: GraphCollection, test: GraphCollection) {
        switch options.dataset {
        case .solubility: try MoleculeSolubility.load()
        case .karate, .cora:
            throw PipelineError.invalidOption(name: "dataset", reason: "\(options.dataset.rawValue) is one graph, not a collection: use loadGraph()")
        }
    }


    /// Checks a `--resume` checkpoint against the options before anything is written.
    /// - Throws: `CheckpointError`, `PipelineError.invalidOption` listing what differs.
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    /// Trains a node classifier, saves the weights and measures the test nodes.
    /// - Throws: `PipelineError` (options), `DataError` (the graph), `CheckpointError`,
    ///   `TrainingError` (divergence), I/O errors of the outputs.
    /// - Parameter graph: the graph when already loaded (`loadGraph()`); nil loads it.
    @discardableResult
    public func run(graph loaded: NodeClassificationGraph? = nil) throws -> GraphTrainingResult {
        let o = options
        guard o.task == .nodeClassification else {
            throw PipelineError.invalidOption(name: "task", reason: "run() trains node classification; use runLinkPrediction()")
        }
        try o.validate()
        let graph = try loaded ?? loadGraph()
        if o.controls.patience > 0, graph.validationNodes.isEmpty {
            throw PipelineError.invalidOption(name: "patience", reason: "\(graph.name) has no validation nodes (its per-epoch val_ logs "
                + "are the test nodes'): early stopping would choose the epoch on the test nodes")
        }
        manualSeed(o.seed)
        let model = GraphNodeClassifier(kind: o.kind, inputSize: graph.features.shape[1], hidden: o.effectiveHidden,
                                        classes: graph.classNames.count, heads: o.effectiveHeads, dropout: o.dropout,
                                        generator: RandomGenerator(seed: o.seed))
        log("synapse train: \(graph.name) (\(graph.nodeCount) nodes, \(graph.edges.count / 2) undirected edges, "
            + "\(graph.classNames.count) classes; \(graph.trainNodes.count) training, \(graph.validationNodes.count) validation and "
            + "\(graph.testNodes.count) test nodes), \(model) (\(model.parameterCount) parameters)"
            + (o.fanouts.map { ", neighbour sampling \($0.map(String.init).joined(separator: ",")) in batches of \(o.effectiveBatchSize)" } ?? ""))
        let optimizer = Adam(model.parameters(), learningRate: o.learningRate, weightDecay: o.weightDecay)
        let edges = graph.edges, features = graph.features
        let sampler = o.fanouts.map { NeighborSampler(edges: edges, fanouts: $0) }
        let seed = o.seed
        let objective = TrainingObjective<NodeSet.Batch>(forward: { batch in
            let logits: Tensor
            if let sampler, model.isTraining {
                // The batch's computation graph: its seeds' sampled neighbourhoods (evaluation runs the whole graph).
                let sub = sampler.sample(seeds: batch.nodes, generator: Self.batchGenerator(seed: seed, nodes: batch.nodes))
                let x = features.indexSelect(dim: 0, index: IntTensor(sub.nodes))
                let out = model(x, edges: sub.edges)
                // The seeds come first, in the batch's order (a node set lists each node once).
                logits = out.indexSelect(dim: 0, index: IntTensor(Array(0..<sub.seedCount)))
            } else {
                logits = model(features, edges: edges).indexSelect(dim: 0, index: IntTensor(batch.nodes))
            }
            return (logits, crossEntropy(logits, batch.labels))
        }, targets: { $0.labels.asFloat })
        let train = NodeSet(nodes: graph.trainNodes, labels: graph.labels)
        let monitored = NodeSet(nodes: graph.validationNodes.isEmpty ? graph.testNodes : graph.validationNodes, labels: graph.labels)
        let trainLoader = sampler == nil ? DataLoader(train, batchSize: max(train.count, 1))
            : DataLoader(train, batchSize: o.effectiveBatchSize, shuffle: true, seed: o.seed)
        let validationLoader = DataLoader(monitored, batchSize: max(monitored.count, 1))
        try trainLoader.validateNotEmpty(name: "\(graph.name) training nodes")
        let trainer = try makeTrainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader,
                                      validation: validationLoader, metrics: TrainingMetrics.accuracy)
        let history = try trainer.fit(epochs: o.epochs)
        try save(model, name: graph.name, inputSize: graph.features.shape[1], history: history, metadata: [
            "classes": String(graph.classNames.count), "task": GraphTask.nodeClassification.rawValue,
            "class_names": (try? JSONSerialization.data(withJSONObject: graph.classNames)).map { String(decoding: $0, as: UTF8.self) } ?? "[]",
        ])

        model.eval()
        let predicted = withoutGradients { model(features, edges: edges) }.argmax(dim: 1).scalars
        func accuracy(_ nodes: [Int]) -> Double {
            Double(nodes.filter { predicted[$0] == graph.labels[$0] }.count) / Double(max(nodes.count, 1))
        }
        let testAccuracy = accuracy(graph.testNodes), trainAccuracy = accuracy(graph.trainNodes)
        let validationAccuracy = graph.validationNodes.isEmpty ? nil : accuracy(graph.validationNodes)
        log(String(format: "test: accuracy %.4f on %d nodes (train %.4f on %d", testAccuracy, graph.testNodes.count, trainAccuracy,
                   graph.trainNodes.count) + (validationAccuracy.map { String(format: ", validation %.4f on %d", $0, graph.validationNodes.count) } ?? "")
            + ")")
        let rows = graph.testNodes.map { (graph.nodeNames[$0], graph.classNames[predicted[$0]], graph.classNames[graph.labels[$0]]) }
        return GraphTrainingResult(history: history, testAccuracy: testAccuracy, trainAccuracy: trainAccuracy,
                                   validationAccuracy: validationAccuracy, testPredictions: rows,
                                   sizes: (graph.nodeCount, graph.edges.count, graph.trainNodes.count, graph.testNodes.count),
                                   validationNodes: graph.validationNodes.count, weights: o.output)
    }

    /// A generator for one batch's random draws (neighbours, negatives), seeded by the run's seed
    /// and the batch's contents in order: the same run draws the same samples, a resumed run too
    /// (its loader restores the epoch orders), and a shuffled loader gives each epoch fresh ones.
    static func batchGenerator(seed: UInt64, nodes: [Int]) -> RandomGenerator {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for n in nodes {
            h = (h ^ UInt64(truncatingIfNeeded: n)) &* 0x0000_0100_0000_01b3
        }
        return RandomGenerator(seed: h)
    }

    /// The one `Trainer` of a graph run, with the run's callbacks (schedule, clipping, early
    /// stopping, progress lines, logs, checkpoints) and a restored `--resume` checkpoint.
    func makeTrainer<D: BatchedDataset>(model: Module, optimizer: Adam, objective: TrainingObjective<D.Batch>, train: DataLoader<D>,
                                        validation: DataLoader<D>, metrics: @escaping MetricFunction) throws -> Trainer<D, D> {
        let o = options, controls = o.controls
        var (callbacks, _) = LoopCallbacks.training(controls, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                    totalSteps: o.epochs * train.count)
        callbacks += try LoopCallbacks.reporting(controls, line: EpochLinePrinter(every: max(o.epochs / 10, 1), log: log),
                                                 hyperparameters: o.hyperparameters, checkpointEvery: max(1, o.epochs / 20))
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: train, validation: validation,
                              metrics: metrics, callbacks: callbacks)
        if let resume = controls.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        return trainer
    }

    /// Saves the trained weights with the run's metadata, and the curves when logging.
    func save(_ model: Module, name: String, inputSize: Int, history: TrainingHistory, metadata: [String: String]) throws {
        let o = options
        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        var all = [
            "dataset": name, "model": o.kind.rawValue, "hidden": String(o.effectiveHidden), "heads": String(o.kind == .gat ? o.effectiveHeads : 1),
            "dropout": String(o.dropout), "input_size": String(inputSize), "epochs": String(history.records.count),
            "seed": String(o.seed),
        ]
        all.merge(metadata) { _, new in new }
        try model.save(to: o.output, metadata: all)
        log("saved weights to \(o.output.path)")
        if let dir = o.controls.logDirectory {
            let files = try TrainingCurvesPlot(history: history, title: name).write(to: dir)
            log("wrote logs to \(dir.path) (history.jsonl, history.csv, TensorBoard events, \(files.map(\.lastPathComponent).joined(separator: ", ")))")
        }
    }

    private var resumeGuard: ResumeGuard {
        ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log)
    }
}

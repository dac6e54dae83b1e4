import Foundation
import SynapseModels
import SynapseTraining

/// The built-in graph datasets of `synapse train`.
public enum GraphDatasetChoice: String, Sendable, CaseIterable {
    /// Zachary's karate club: 34 members, 2 clubs, trained on the two leaders (`KarateClub`).
    case karate
    /// Cora: 2,708 papers, 5,278 citations, 7 subjects; 20 training papers per class, 500 validation, 1,000 test (`CoraCitations`).
    case cora
    /// Huuskonen's solubility molecules: 1,282 small graphs in 3 classes (`MoleculeSolubility`).
    case solubility

    /// The task the graph is made for: graph classification for a collection of molecules, node
    /// classification for a single graph.
    public var defaultTask: GraphTask { self == .solubility ? .graphClassification : .nodeClassification }

    /// The tasks the data supports.
    public var tasks: [GraphTask] { self == .solubility ? [.graphClassification] : [.nodeClassification, .linkPrediction] }
}

/// What a graph run learns.
public enum GraphTask: String, Sendable, CaseIterable {
    /// Each node's class, from the labels of a few (the default).
    case nodeClassification = "node-classification"
    /// Whether an edge joins two nodes, from the other edges (held-out edges against non-edges, AUC).
    case linkPrediction = "link-prediction"
    /// One class per small graph of a collection (molecules), trained in mini-batches of graphs.
    case graphClassification = "graph-classification"
}

/// Everything that defines one graph run (`synapse train --dataset karate|cora|solubility --model
/// gcn|sage|gat [--task link-prediction]`).
public struct GraphTrainingOptions: Sendable {
    /// The graph.
    public var dataset: GraphDatasetChoice
    /// The message-passing layer.
    public var kind: GraphConvolutionKind
    /// Node classification or link prediction.
    public var task: GraphTask = .nodeClassification
    /// Epochs (default 200 for node classification, 100 for link prediction, as PyG's examples).
    public var epochs: Int
    /// Hidden features (per head for gat). Node classification: 16, 8 for gat (the GAT paper);
    /// link prediction: 128, 16 for gat (×8 heads).
    public var hidden: Int?
    /// Link prediction's node-embedding width (64, as PyG's `link_pred.py`).
    public var embedding = 64
    /// gat's attention heads (nil: `effectiveHeads`).
    public var heads: Int?
    /// Dropout on features (and gat's attention); default 0.5 for node classification, 0 for link prediction.
    public var dropout: Float
    /// Adam's learning rate (0.01, as PyG's examples).
    public var learningRate = 0.01
    /// Adam's L2 weight decay (5e-4 for node classification, as Kipf and Welling; 0 for link prediction).
    public var weightDecay: Double
    /// Neighbour sampling (node classification): neighbours sampled per node at each hop, one per
    /// layer (PyG's `num_neighbors`, e.g. [10, 10]); nil runs the whole graph every step.
    public var fanouts: [Int]?
    /// Seed nodes per mini-batch under neighbour sampling (default 32), or graphs per mini-batch
    /// for graph classification (default 64).
    public var batchSize: Int?
    /// Link prediction: the shares of edges held out for validation and testing (PyG's `RandomLinkSplit` 0.05 and 0.1).
    public var heldOut = (validation: 0.05, test: 0.1)
    /// Seed of the initialisation and dropout.
    public var seed: UInt64 = 0
    /// Where the weights go.
    public var output: URL
    /// Schedules, clipping, early stopping, checkpoints, resume and logs.
    public var controls = TrainingControls()

    /// Options for `kind` on `dataset`, saving to `output`.
    /// `task`'s defaults for epochs, dropout and weight decay; nil takes the dataset's task.
    public init(dataset: GraphDatasetChoice, kind: GraphConvolutionKind, task: GraphTask? = nil, output: URL) {
        self.dataset = dataset
        self.kind = kind
        self.task = task ?? dataset.defaultTask
        self.output = output
        switch self.task {
        case .nodeClassification: (epochs, dropout, weightDecay) = (200, 0.5, 5e-4)
        case .linkPrediction: (epochs, dropout, weightDecay) = (100, 0, 0)
        case .graphClassification: (epochs, dropout, weightDecay) = (100, 0.5, 0)
        }
    }

    /// The names a node-classification run logs every epoch (what `--monitor` may watch).
    public static let loggedNames = MonitorNames.classification
    /// The names a link-prediction run logs every epoch.
    public static let linkPredictionLoggedNames = MonitorNames.epochLogs(metrics: ["auc"], validation: true)

    /// The names this run logs every epoch.
    public var logged: [String] { task == .linkPrediction ? Self.linkPredictionLoggedNames : Self.loggedNames }

    /// The hidden width used.
    public var effectiveHidden: Int {
        switch task {
        case .nodeClassification: hidden ?? (kind == .gat ? 8 : 16)
        case .linkPrediction: hidden ?? (kind == .gat ? 16 : 128)
        case .graphClassification: hidden ?? (kind == .gat ? 16 : 64)
        }
    }

    /// gat's heads: `heads` (default 8), except graph classification's default of 4 per layer.
    public var effectiveHeads: Int { heads ?? (task == .graphClassification ? 4 : 8) }

    /// The batch size used: seed nodes under neighbour sampling (default 32), graphs for graph
    /// classification (default 64).
    public var effectiveBatchSize: Int { batchSize ?? (task == .graphClassification ? 64 : 32) }

    /// What the run learns, as text (checkpoints record it so `--resume` can say what differs).
    public var hyperparameters: [String: String] {
        var h = ["dataset": dataset.rawValue, "model": kind.rawValue, "epochs": String(epochs), "hidden": String(effectiveHidden),
                 "dropout": String(dropout), "lr": String(learningRate), "weight-decay": String(weightDecay), "seed": String(seed),
                 "patience": String(controls.patience), "monitor": controls.monitor, "lr-schedule": controls.schedule.rawValue,
                 "clip-norm": controls.clipNorm.map { String($0) } ?? "none"]
        if kind == .gat { h["heads"] = String(effectiveHeads) }
        if task != .nodeClassification { h["task"] = task.rawValue }
        if task == .linkPrediction { h["embedding"] = String(embedding) }
        if task == .graphClassification { h["batch-size"] = String(effectiveBatchSize) }
        if let fanouts {
            h["fanout"] = fanouts.map(String.init).joined(separator: ",")
            h["batch-size"] = String(effectiveBatchSize)
        }
        return h
    }

    /// Checks the values.
    /// - Throws: `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        guard epochs >= 1 else { throw .invalidOption(name: "epochs", reason: "must be ≥ 1, got \(epochs)") }
        guard (1...4096).contains(effectiveHidden) else { throw .invalidOption(name: "hidden", reason: "must be 1 to 4096, got \(effectiveHidden)") }
        guard (1...64).contains(effectiveHeads) else { throw .invalidOption(name: "heads", reason: "must be 1 to 64, got \(effectiveHeads)") }
        guard dataset.tasks.contains(task) else {
            throw .invalidOption(name: "task", reason: "\(dataset.rawValue) supports \(dataset.tasks.map(\.rawValue).joined(separator: " and ")), "
                                 + "not \(task.rawValue)")
        }
        guard dropout >= 0, dropout < 1 else { throw .invalidOption(name: "dropout", reason: "must be in [0, 1), got \(dropout)") }
        guard learningRate > 0, learningRate.isFinite else { throw .invalidOption(name: "lr", reason: "must be positive, got \(learningRate)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw .invalidOption(name: "weight-decay", reason: "must be ≥ 0, got \(weightDecay)")
        }
        guard (1...4096).contains(embedding) else { throw .invalidOption(name: "embedding", reason: "must be 1 to 4096, got \(embedding)") }
        if let fanouts {
            guard task == .nodeClassification else {
                throw .invalidOption(name: "fanout", reason: "neighbour sampling applies to node classification")
            }
            guard fanouts.count == 2, fanouts.allSatisfy({ (1...10_000).contains($0) || $0 == -1 }) else {
                throw .invalidOption(name: "fanout", reason: "needs one count per layer (2), each 1 to 10000 or -1 (all), got "
                                     + fanouts.map(String.init).joined(separator: ","))
            }
        }
        if let batchSize {
            guard fanouts != nil || task == .graphClassification else {
                throw .invalidOption(name: "batch-size", reason: "applies with --fanout (neighbour sampling); otherwise every step runs the whole graph")
            }
            guard batchSize >= 1 else { throw .invalidOption(name: "batch-size", reason: "must be ≥ 1, got \(batchSize)") }
        }
        guard heldOut.validation >= 0, heldOut.test > 0, heldOut.validation + heldOut.test < 1 else {
            throw .invalidOption(name: "held-out", reason: "validation and test shares must leave training edges")
        }
        try controls.validate(loggedNames: logged)
    }
}

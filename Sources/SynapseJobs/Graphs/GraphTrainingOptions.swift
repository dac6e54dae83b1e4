import Foundation
import SynapseModels
import SynapseTraining

/// The built-in graph datasets of `synapse train`.
public enum GraphDatasetChoice: String, Sendable, CaseIterable {
    /// Zachary's karate club: 34 members, 2 clubs, trained on the two leaders (`KarateClub`).
    case karate
}

/// Everything that defines one node-classification run (`synapse train --dataset karate --model gcn|sage|gat`).
public struct GraphTrainingOptions: Sendable {
    /// The graph.
    public var dataset: GraphDatasetChoice
    /// The message-passing layer.
    public var kind: GraphConvolutionKind
    /// Full-graph training steps (default 200, as PyG's examples).
    public var epochs = 200
    /// Hidden features (per head for gat; default 16, 8 for gat as in the GAT paper).
    public var hidden: Int?
    /// gat's attention heads.
    public var heads = 8
    /// Dropout on features (and gat's attention).
    public var dropout: Float = 0.5
    /// Adam's learning rate (0.01, as PyG's examples).
    public var learningRate = 0.01
    /// Adam's L2 weight decay (5e-4, as Kipf and Welling).
    public var weightDecay = 5e-4
    /// Seed of the initialisation and dropout.
    public var seed: UInt64 = 0
    /// Where the weights go.
    public var output: URL
    /// Schedules, clipping, early stopping, checkpoints, resume and logs.
    public var controls = TrainingControls()

    /// Options for `kind` on `dataset`, saving to `output`.
    public init(dataset: GraphDatasetChoice, kind: GraphConvolutionKind, output: URL) {
        self.dataset = dataset
        self.kind = kind
        self.output = output
    }

    /// The names every epoch logs (what `--monitor` may watch).
    public static let loggedNames = MonitorNames.classification

    /// The hidden width used.
    public var effectiveHidden: Int { hidden ?? (kind == .gat ? 8 : 16) }

    /// What the run learns, as text (checkpoints record it so `--resume` can say what differs).
    public var hyperparameters: [String: String] {
        var h = ["dataset": dataset.rawValue, "model": kind.rawValue, "epochs": String(epochs), "hidden": String(effectiveHidden),
                 "dropout": String(dropout), "lr": String(learningRate), "weight-decay": String(weightDecay), "seed": String(seed),
                 "patience": String(controls.patience), "monitor": controls.monitor, "lr-schedule": controls.schedule.rawValue,
                 "clip-norm": controls.clipNorm.map { String($0) } ?? "none"]
        if kind == .gat { h["heads"] = String(heads) }
        return h
    }

    /// Checks the values.
    /// - Throws: `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        guard epochs >= 1 else { throw .invalidOption(name: "epochs", reason: "must be ≥ 1, got \(epochs)") }
        guard (1...4096).contains(effectiveHidden) else { throw .invalidOption(name: "hidden", reason: "must be 1 to 4096, got \(effectiveHidden)") }
        guard (1...64).contains(heads) else { throw .invalidOption(name: "heads", reason: "must be 1 to 64, got \(heads)") }
        guard dropout >= 0, dropout < 1 else { throw .invalidOption(name: "dropout", reason: "must be in [0, 1), got \(dropout)") }
        guard learningRate > 0, learningRate.isFinite else { throw .invalidOption(name: "lr", reason: "must be positive, got \(learningRate)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw .invalidOption(name: "weight-decay", reason: "must be ≥ 0, got \(weightDecay)")
        }
        try controls.validate(loggedNames: Self.loggedNames)
    }
}

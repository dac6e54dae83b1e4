import Foundation
import SynapseTraining

/// The recommenders the job trains.
public enum RecommenderKind: String, Sendable, CaseIterable {
    /// `MatrixFactorization` with biases.
    case mf
    /// `TwoTowerModel` with user and item features, in-batch negatives.
    case twoTower = "two-tower"
}

/// What a recommender learns from.
public enum RecommendationLoss: String, Sendable, CaseIterable {
    /// Bayesian personalised ranking on implicit feedback (each interaction against sampled negatives).
    case bpr
    /// Sampled softmax on implicit feedback (each interaction against K sampled negatives at once).
    case sampledSoftmax = "sampled-softmax"
    /// Mean squared error on explicit ratings (matrix factorisation only).
    case mse
    /// Softmax over the batch's other items (the two-tower model's loss).
    case inBatchSoftmax = "in-batch-softmax"
}

/// Everything that defines a recommendation run on MovieLens-100K (`synapse train --dataset
/// movielens --model mf|two-tower`), with the time-ordered leave-one-out split.
public struct RecommendationOptions: Sendable {
    /// The model.
    public var model: RecommenderKind
    /// The loss; nil picks the model's default (BPR for `mf`, in-batch softmax for `two-tower`).
    public var loss: RecommendationLoss?
    /// Width of the factors (MF) or of the towers' tables and outputs (two-tower).
    public var factors = 64
    /// Sampled negatives per interaction (BPR and sampled softmax).
    public var negatives: Int?
    /// L2 penalty, averaged over the batch, on the matrix-factorisation rows of the batch's positive
    /// pairs (the lazy form of weight decay, as RecBole's `reg_weight`); nil picks 0.05 for MSE and
    /// 1e-3 for the ranking losses.
    public var l2: Double?
    /// Passes over the training interactions.
    public var epochs = 15
    /// Interactions per step (for the two-tower model, also the number of in-batch candidates).
    public var batchSize = 1024
    /// `SparseAdam`'s learning rate.
    public var learningRate: Double = 5e-3
    /// Seed of the initialisation, shuffling and negative sampling.
    public var seed: UInt64 = 0
    /// The cut-off of the ranking figures (HR@K, NDCG@K).
    public var k = 10
    /// Softmax temperature of the two-tower model.
    public var temperature: Double = 0.05
    /// Where the prepared dataset lies (nil: `MovieLens100K.defaultDirectory()`).
    public var dataDirectory: URL?
    /// Schedule, early stopping, checkpoints, resume, logs.
    public var controls = TrainingControls()
    /// Where the trained weights go (safetensors).
    public var output: URL

    /// Options for `model`, saving to `output`.
    public init(model: RecommenderKind, output: URL) {
        self.model = model
        self.output = output
    }

    /// The loss the run uses.
    public var resolvedLoss: RecommendationLoss { loss ?? (model == .mf ? .bpr : .inBatchSoftmax) }

    /// The negatives per interaction the run samples (0 for MSE and in-batch softmax).
    public var resolvedNegatives: Int {
        switch resolvedLoss {
        case .bpr: negatives ?? 4
        case .sampledSoftmax: negatives ?? 64
        case .mse, .inBatchSoftmax: 0
        }
    }

    /// The L2 penalty the run uses.
    public var resolvedL2: Double { l2 ?? (resolvedLoss == .mse ? 0.05 : 1e-3) }

    /// The names the epochs log (validation ranking figures at `k`).
    public var loggedNames: [String] { ["loss", "val_loss", "val_ndcg@\(k)", "val_hr@\(k)"] }

    /// Checks ranges and combinations; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        switch (model, resolvedLoss) {
        case (.mf, .inBatchSoftmax):
            throw .invalidOption(name: "loss", reason: "in-batch-softmax is the two-tower model's loss; --model mf takes bpr, sampled-softmax or mse")
        case (.twoTower, .bpr), (.twoTower, .sampledSoftmax), (.twoTower, .mse):
            throw .invalidOption(name: "loss", reason: "--model two-tower trains with in-batch-softmax only")
        default: break
        }
        if negatives != nil && resolvedNegatives == 0 {
            throw .invalidOption(name: "negatives", reason: "only applies to --loss bpr or sampled-softmax")
        }
        if let n = negatives, !(1...1024).contains(n) { throw .invalidOption(name: "negatives", reason: "must lie in 1...1024, got \(n)") }
        if !(1...4096).contains(factors) { throw .invalidOption(name: "factors", reason: "must lie in 1...4096, got \(factors)") }
        if let l2, !(l2 >= 0 && l2.isFinite) { throw .invalidOption(name: "l2", reason: "must be a non-negative number, got \(l2)") }
        if l2 != nil && model == .twoTower { throw .invalidOption(name: "l2", reason: "only applies to --model mf") }
        if epochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(epochs)") }
        if batchSize < 2 { throw .invalidOption(name: "batch-size", reason: "must be at least 2, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        if !(1...1000).contains(k) { throw .invalidOption(name: "k", reason: "must lie in 1...1000, got \(k)") }
        if !(temperature > 0 && temperature.isFinite) {
            throw .invalidOption(name: "temperature", reason: "must be a positive number, got \(temperature)")
        }
        if controls.precision != .float32 { throw .invalidOption(name: "precision", reason: "recommenders train in float32 only") }
        try controls.validate(loggedNames: loggedNames)
    }

    /// The options that decide what the run learns, by flag name (recorded in checkpoints).
    public var hyperparameters: [String: String] {
        controls.hyperparameters.merging([
            "dataset": "movielens", "model": model.rawValue, "loss": resolvedLoss.rawValue, "factors": String(factors),
            "negatives": String(resolvedNegatives), "l2": String(resolvedL2), "epochs": String(epochs), "batch-size": String(batchSize),
            "lr": String(learningRate), "seed": String(seed), "temperature": String(temperature),
        ]) { _, b in b }
    }
}

import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseOptim
import SynapseTraining

/// The data of a recommendation run: MovieLens-100K and its time-ordered leave-one-out split.
public struct RecommendationData: Sendable {
    /// The dataset (interactions, titles, side features).
    public let movieLens: MovieLens100K
    /// Train / validation / test interactions.
    public let split: LeaveOneOutSplit
}

/// What a recommendation run reached.
public struct RecommendationResult {
    /// Every trained epoch's logs.
    public let history: TrainingHistory
    /// The model's leave-one-out figures on the test items.
    public let test: LeaveOneOutEvaluation
    /// The same on the validation items (after training).
    public let validation: LeaveOneOutEvaluation
    /// The most-popular baseline's test figures.
    public let popularity: LeaveOneOutEvaluation
    /// Test RMSE of the predicted ratings (`--loss mse` only).
    public let rmse: Double?
    /// Test RMSE of predicting each item's mean training rating (`--loss mse` only).
    public let itemMeanRMSE: Double?
    /// Mean training seconds per epoch.
    public let secondsPerEpoch: Double
    /// The trained model.
    public let model: any Recommender
    /// Where the weights were saved.
    public let weights: URL
}

/// Trains a recommender on MovieLens-100K — the job behind `synapse train --dataset movielens
/// --model mf|two-tower` — with sparse embedding updates (`SparseAdam`), and evaluates it by
/// leave-one-out HR@K / NDCG@K over the full item ranking beside the most-popular baseline.
public final class RecommendationJob {
    /// The run's options.
    public let options: RecommendationOptions
    /// Where progress lines go.
    public let log: (String) -> Void

    /// A job; nothing runs until `run()`.
    public init(options: RecommendationOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Loads MovieLens-100K and splits it.
    /// - Throws: `DataError` (dataset missing or malformed), `PipelineError` (options).
    public func loadData() throws -> RecommendationData {
        try options.validate()
        let movieLens = try MovieLens100K.load(from: options.dataDirectory)
        return RecommendationData(movieLens: movieLens, split: LeaveOneOutSplit(movieLens.interactions, userCount: movieLens.userCount))
    }

    /// Checks, before anything is created, that `controls.resume` (if set) is a readable
    /// checkpoint of a run with the same hyperparameters (or `force` is set).
    public func validateResume() throws {
        guard let resume = options.controls.resume else { return }
        _ = try resumeGuard.checkpoint(resume)
    }

    private var resumeGuard: ResumeGuard { ResumeGuard(hyperparameters: options.hyperparameters, force: options.controls.force, log: log) }

    /// MovieLens's side information for the two-tower model: users' age group (ML-1M's seven
    /// bands), gender and occupation; items' release decade and genres.
    public static func twoTowerFeatures(_ m: MovieLens100K) -> TwoTowerFeatures {
        let ageBands = [18, 25, 35, 45, 50, 56]
        let users = (0..<m.userCount).map { u in [ageBands.firstIndex { m.userAges[u] < $0 } ?? ageBands.count, m.userGenders[u], m.userOccupations[u]] }
        // Decades from the 1920s (and earlier) to the 1990s, plus "unknown".
        let decades = m.itemYears.map { year in year.map { min(max(($0 - 1920) / 10, 0), 7) } ?? 8 }
        return TwoTowerFeatures(userCategorical: users, userCardinalities: [ageBands.count + 1, m.genderNames.count, m.occupationNames.count],
                                itemCategorical: decades.map { [$0] }, itemCardinalities: [9],
                                itemSets: m.itemGenres, itemSetSize: m.genreNames.count)
    }

    /// Builds the model for `data`.
    public func makeModel(_ data: RecommendationData) -> any Recommender {
        let o = options, g = RandomGenerator(seed: o.seed), m = data.movieLens
        switch o.model {
        case .mf:
            let mean = data.split.train.isEmpty ? 0 : data.split.train.reduce(0) { $0 + $1.rating } / Float(data.split.train.count)
            return MatrixFactorization(userCount: m.userCount, itemCount: m.itemCount, factors: o.factors,
                                       globalBias: o.resolvedLoss == .mse ? mean : 0, generator: g)
        case .twoTower:
            return TwoTowerModel(userCount: m.userCount, itemCount: m.itemCount, features: Self.twoTowerFeatures(m), width: o.factors,
                                 hidden: 2 * o.factors, output: o.factors, temperature: Float(o.temperature), generator: g)
        }
    }

    /// Leave-one-out figures of `score` on `pairs`, excluding `excluded[user]`.
    static func evaluate(_ pairs: [Interaction], excluded: [[Int]], items: Int, k: Int, _ score: @escaping ([Int]) -> Tensor) throws -> LeaveOneOutEvaluation {
        try withoutGradients {
            try LeaveOneOutEvaluation(k: k, heldOut: pairs.map { ($0.user, $0.item) }, excluded: excluded, itemCount: items, score: score)
        }
    }

    /// The test figures of `score` and of the most-popular baseline: the test ranking also leaves out
    /// each user's validation item (by then the user has seen it), and popularity counts training
    /// and validation interactions. One home, so `synapse evaluate` reproduces the training run.
    static func evaluateTest(_ split: LeaveOneOutSplit, items: Int, k: Int, _ score: @escaping ([Int]) -> Tensor) throws
        -> (model: LeaveOneOutEvaluation, popularity: LeaveOneOutEvaluation) {
        var excluded = split.trainingItems
        for v in split.validation { excluded[v.user].append(v.item) }
        let popular = PopularityBaseline(trainingItems: split.train.map(\.item) + split.validation.map(\.item), itemCount: items)
        return (try evaluate(split.test, excluded: excluded, items: items, k: k, score),
                try evaluate(split.test, excluded: excluded, items: items, k: k, popular.scores))
    }

    /// Runs the job on `data` (nil: `loadData()`).
    /// - Throws: `PipelineError`, `DataError`, `CheckpointError`, `TrainingError` (divergence),
    ///   `MetricError`, I/O errors of the outputs.
    @discardableResult
    public func run(data loaded: RecommendationData? = nil) throws -> RecommendationResult {
        let o = options, c = o.controls
        try o.validate()
        let data = try loaded ?? loadData()
        let split = data.split, items = data.movieLens.itemCount
        manualSeed(o.seed)
        let model = makeModel(data)
        let optimizer = SparseAdam(model.parameters(), learningRate: o.learningRate)
        let sampler = RandomGenerator(seed: o.seed &+ 1)
        let objective = RecommendationObjective(model: model, loss: o.resolvedLoss, negatives: o.resolvedNegatives, l2: o.model == .mf ? Float(o.resolvedL2) : 0,
                                                itemCount: items, trainingItems: split.trainingItems, trainItems: split.train.map(\.item),
                                                sampler: sampler).objective
        log("synapse train: MovieLens-100K, \(data.movieLens.userCount) users, \(items) items; time-ordered leave-one-out: "
            + "\(split.train.count) training / \(split.validation.count) validation / \(split.test.count) test interactions; "
            + "model \(o.model.rawValue) (\(model.parameterCount) parameters), loss \(o.resolvedLoss.rawValue)")
        let trainLoader = DataLoader(InteractionBatches(split.train), batchSize: o.batchSize, shuffle: true, dropLast: o.model == .twoTower, seed: o.seed)
        let validationLoader = DataLoader(InteractionBatches(split.validation), batchSize: o.batchSize)
        var callbacks: [any TrainingCallback] = [RankingValidation(k: o.k, pairs: split.validation, excluded: split.trainingItems, items: items, model: model)]
        let (training, _) = LoopCallbacks.training(c, optimizer: optimizer, learningRate: o.learningRate, epochs: o.epochs,
                                                   totalSteps: o.epochs * trainLoader.count)
        callbacks += training
        callbacks += try LoopCallbacks.reporting(c, line: EpochLinePrinter(every: 1, log: log), hyperparameters: o.hyperparameters)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective, train: trainLoader, validation: validationLoader,
                              metrics: { _, _ in [:] }, callbacks: callbacks, generators: ["global": .global, "negatives": sampler])
        if let resume = c.resume { try resumeGuard.restore(resume, into: trainer, learningRate: o.learningRate) }
        let resumed = trainer.context.epoch
        let history = try trainer.fit(epochs: o.epochs)
        if let reason = trainer.context.stopReason { log(reason) }
        model.eval()

        let (test, popularity) = try Self.evaluateTest(split, items: items, k: o.k, model.scoreAllItems)
        let validation = try Self.evaluate(split.validation, excluded: split.trainingItems, items: items, k: o.k, model.scoreAllItems)
        var rmse: Double?, itemMeanRMSE: Double?
        if o.resolvedLoss == .mse {
            let predicted = withoutGradients { model.score(users: IntTensor(split.test.map(\.user)), items: IntTensor(split.test.map(\.item))) }.scalars
            rmse = Self.rmse(predicted, split.test.map(\.rating))
            itemMeanRMSE = Self.rmse(Self.itemMeans(split.train, items: items, for: split.test.map(\.item)), split.test.map(\.rating))
        }
        for (name, e) in [(o.model.rawValue, test), ("most popular", popularity)] {
            log(String(format: "%@: test HR@%d %.4f, NDCG@%d %.4f, MRR %.4f (%d users, full ranking)", name, o.k, e.hitRate, o.k, e.ndcg,
                       e.meanReciprocalRank, e.users))
        }
        if let rmse, let itemMeanRMSE { log(String(format: "test RMSE %.4f (item means: %.4f)", rmse, itemMeanRMSE)) }

        try FileManager.default.createDirectory(at: o.output.deletingLastPathComponent(), withIntermediateDirectories: true)
        var metadata = [
            "task": "recommendation", "dataset": "movielens", "model": o.model.rawValue, "loss": o.resolvedLoss.rawValue,
            "users": String(data.movieLens.userCount), "items": String(items), "factors": String(o.factors),
            "epochs": String(trainer.context.epoch), "seed": String(o.seed),
        ]
        if o.model == .twoTower { metadata["temperature"] = String(o.temperature) }
        try model.save(to: o.output, metadata: metadata)
        log("saved weights to \(o.output.path)")
        if let dir = c.logDirectory { _ = try TrainingCurvesPlot(history: history, title: "movielens \(o.model.rawValue)").write(to: dir) }
        let trained = history.records.dropFirst(resumed).compactMap { $0.values["epoch_seconds"] }
        return RecommendationResult(history: history, test: test, validation: validation, popularity: popularity, rmse: rmse,
                                    itemMeanRMSE: itemMeanRMSE, secondsPerEpoch: trained.isEmpty ? 0 : trained.reduce(0, +) / Double(trained.count),
                                    model: model, weights: o.output)
    }

    static func rmse(_ predicted: [Float], _ actual: [Float]) -> Double {
        (zip(predicted, actual).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(max(actual.count, 1))).squareRoot()
    }

    /// Each item's mean training rating (the global mean for an item never rated), for `wanted`.
    static func itemMeans(_ train: [Interaction], items: Int, for wanted: [Int]) -> [Float] {
        var sum = [Float](repeating: 0, count: items), count = [Float](repeating: 0, count: items)
        for x in train { sum[x.item] += x.rating; count[x.item] += 1 }
        let global = sum.reduce(0, +) / max(count.reduce(0, +), 1)
        return wanted.map { count[$0] > 0 ? sum[$0] / count[$0] : global }
    }
}

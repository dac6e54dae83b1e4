import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN

/// One recommended item.
public struct RecommendedItem: Sendable, Equatable {
    /// The item's id in the dataset (MovieLens's movie id).
    public let id: String
    /// Its title.
    public let title: String
    /// The model's score.
    public let score: Double
}

/// Top-K recommendations from weights written by `synapse train --dataset movielens` — the job
/// behind `synapse recommend`: the model is rebuilt from the weights' metadata, every item is
/// scored for the user in one product, and the items the user already rated are left out.
public struct RecommendationService {
    /// The trained model.
    public let model: any Recommender
    /// The dataset the model was trained on (ids, titles, the users' histories).
    public let movieLens: MovieLens100K
    /// Each user's items in the whole dataset (never recommended again).
    let seen: [[Int]]

    /// Loads `weights` against the prepared dataset in `dataDirectory` (nil: the default place).
    /// - Throws: `PipelineError.invalidRun` for weights that are unreadable, not a recommender's, or
    ///   made for another dataset size; `DataError` for a missing or malformed dataset.
    public init(weights: URL, dataDirectory: URL? = nil) throws {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "cannot read the weights: \(error)")
        }
        let meta = WeightsMetadata(archive.metadata, path: weights.path)
        guard meta.optionalString("task") == "recommendation", let kind = meta.optionalString("model").flatMap(RecommenderKind.init(rawValue:)) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "not a recommender's weights (task \(meta.optionalString("task") ?? "missing")); "
                                           + "`synapse train --dataset movielens --model mf|two-tower` writes them")
        }
        let data = try MovieLens100K.load(from: dataDirectory)
        let users = try meta.integer("users", in: 1...10_000_000), items = try meta.integer("items", in: 1...10_000_000)
        guard users == data.userCount && items == data.itemCount else {
            throw PipelineError.invalidRun(path: weights.path, reason: "made for \(users) users and \(items) items; the dataset has "
                                           + "\(data.userCount) and \(data.itemCount)")
        }
        let factors = try meta.integer("factors", in: 1...4096)
        let model: any Recommender
        switch kind {
        case .mf:
            model = MatrixFactorization(userCount: users, itemCount: items, factors: factors)
        case .twoTower:
            let temperature = Double(meta.optionalString("temperature") ?? "") ?? 0.05
            guard temperature > 0 && temperature.isFinite else {
                throw PipelineError.invalidRun(path: weights.path, reason: "temperature \(temperature) is not a positive number")
            }
            model = TwoTowerModel(userCount: users, itemCount: items, features: RecommendationJob.twoTowerFeatures(data), width: factors,
                                  hidden: 2 * factors, output: factors, temperature: Float(temperature))
        }
        do { _ = try model.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "the weights do not fit a \(kind.rawValue) model: \(error)")
        }
        model.eval()
        self.model = model
        movieLens = data
        var seen = [[Int]](repeating: [], count: users)
        for x in data.interactions { seen[x.user].append(x.item) }
        self.seen = seen
    }

    /// The `k` best new items for the user whose dataset id is `user`.
    /// - Throws: `PipelineError.invalidOption` (`user`, `k`) for an unknown user or a bad `k`.
    public func recommend(user: String, k: Int) throws -> [RecommendedItem] {
        guard let u = movieLens.userIDs.firstIndex(of: user) else {
            throw PipelineError.invalidOption(name: "user", reason: "no user '\(user)' in MovieLens-100K (ids \(movieLens.userIDs.first ?? "")…\(movieLens.userIDs.last ?? ""))")
        }
        guard (1...movieLens.itemCount).contains(k) else {
            throw PipelineError.invalidOption(name: "k", reason: "must lie in 1...\(movieLens.itemCount), got \(k)")
        }
        let scores = withoutGradients { model.scoreAllItems(users: [u]) }
        let top = TopKRetrieval.topK(scores: scores, k: k, excluding: [seen[u]])[0]
        let s = scores.scalars
        return top.map { RecommendedItem(id: movieLens.itemIDs[$0], title: movieLens.itemTitles[$0], score: Double(s[$0])) }
    }

    /// The leave-one-out test figures of the model and of the most-popular baseline, on the same
    /// time-ordered split the training used (the weights record no split: it is recomputed, and is
    /// deterministic).
    /// - Throws: `MetricError` (empty data).
    public func evaluate(k: Int = 10) throws -> (model: LeaveOneOutEvaluation, popularity: LeaveOneOutEvaluation) {
        let split = LeaveOneOutSplit(movieLens.interactions, userCount: movieLens.userCount)
        let scorer = model
        return try RecommendationJob.evaluateTest(split, items: movieLens.itemCount, k: k) { scorer.scoreAllItems(users: $0) }
    }
}

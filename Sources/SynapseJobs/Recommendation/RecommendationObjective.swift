import Foundation
import SynapseCore
import SynapseData
import SynapseModels
import SynapseNN
import SynapseTraining

/// The per-batch loss of a recommender: MSE on ratings, BPR or sampled softmax against sampled
/// negatives, or the two-tower model's in-batch softmax with the logQ popularity correction.
struct RecommendationObjective {
    let model: any Recommender
    let loss: RecommendationLoss
    let negatives: Int
    let l2: Float
    let itemCount: Int
    /// Per user, the items they interacted with in training (never drawn as their negatives).
    let trainingItems: [Set<Int>]
    /// log(share of training interactions) of each item, for the logQ correction.
    let logPopularity: [Float]
    let sampler: RandomGenerator

    init(model: any Recommender, loss: RecommendationLoss, negatives: Int, l2: Float, itemCount: Int, trainingItems: [[Int]],
         trainItems: [Int], sampler: RandomGenerator) {
        self.model = model
        self.loss = loss
        self.negatives = negatives
        self.l2 = l2
        self.itemCount = itemCount
        self.trainingItems = trainingItems.map(Set.init)
        var counts = [Float](repeating: 0, count: itemCount)
        for i in trainItems { counts[i] += 1 }
        // Items never seen in training get half a count, so their log stays finite.
        let total = Float(max(trainItems.count, 1))
        logPopularity = counts.map { Foundation.log(max($0, 0.5) / total) }
        self.sampler = sampler
    }

    /// Uniform negatives for each user of the batch, K each, never one of the user's training items
    /// (rejection sampling; a user who has seen nearly everything falls back to any item after 50 tries).
    func sampleNegatives(_ users: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(users.count * negatives)
        for u in users {
            for _ in 0..<negatives {
                var item = sampler.nextInt(below: itemCount), tries = 0
                while trainingItems[u].contains(item) && tries < 50 {
                    item = sampler.nextInt(below: itemCount)
                    tries += 1
                }
                out.append(item)
            }
        }
        return out
    }

    /// The L2 penalty on the MF rows of the batch's positive pairs (lazy weight decay; the sampled
    /// negatives are left out, as the figures in docs/recommendation.md were measured).
    func penalty(users: IntTensor, items: IntTensor) -> Tensor? {
        guard l2 > 0, let mf = model as? MatrixFactorization else { return nil }
        let terms = [mf.userFactors(users), mf.itemFactors(items), mf.userBias(users), mf.itemBias(items)]
        return terms.map { ($0 * $0).sum() }.reduce(Tensor(0), +) * (l2 / Float(users.count))
    }

    /// The objective for `Trainer`: predictions are the positive pairs' scores [N, 1], targets the ratings.
    var objective: TrainingObjective<[Interaction]> {
        TrainingObjective(forward: { batch in
            let users = batch.map(\.user), items = batch.map(\.item)
            let u = IntTensor(users), i = IntTensor(items)
            let value: Tensor, scores: Tensor
            switch loss {
            case .inBatchSoftmax:
                guard let towers = model as? TwoTowerModel else { requireFailure("in-batch softmax needs a TwoTowerModel") }
                value = towers.inBatchLoss(users: users, items: items, logQ: items.map { logPopularity[$0] })
                scores = withoutGradients { towers.score(users: u, items: i) }
            case .mse:
                scores = model.score(users: u, items: i)
                value = mseLoss(scores, Tensor(shape: [batch.count], scalars: batch.map(\.rating)))
            case .bpr, .sampledSoftmax:
                scores = model.score(users: u, items: i)
                let negativeUsers = IntTensor(users.flatMap { Array(repeating: $0, count: negatives) })
                let negative = model.score(users: negativeUsers, items: IntTensor(sampleNegatives(users))).reshaped([batch.count, negatives])
                value = loss == .bpr ? bprLoss(positive: scores, negative: negative) : sampledSoftmaxLoss(positive: scores, negative: negative)
            }
            let total = penalty(users: u, items: i).map { value + $0 } ?? value
            return (scores.detached().reshaped([-1, 1]), total)
        }, targets: { batch in Tensor(shape: [batch.count, 1], scalars: batch.map(\.rating)) })
    }
}

/// Leave-one-out ranking figures on the validation items at the end of every epoch, logged as
/// `val_ndcg@K` and `val_hr@K` (so early stopping and checkpoints can follow them).
final class RankingValidation: TrainingCallback {
    let k: Int
    let pairs: [Interaction]
    let excluded: [[Int]]
    let items: Int
    let model: any Recommender

    init(k: Int, pairs: [Interaction], excluded: [[Int]], items: Int, model: any Recommender) {
        self.k = k
        self.pairs = pairs
        self.excluded = excluded
        self.items = items
        self.model = model
    }

    func epochEnd(_ context: TrainingContext) throws {
        guard !pairs.isEmpty else { return }
        let e = try RecommendationJob.evaluate(pairs, excluded: excluded, items: items, k: k, model.scoreAllItems)
        context.epochLogs["val_ndcg@\(k)"] = e.ndcg
        context.epochLogs["val_hr@\(k)"] = e.hitRate
    }
}

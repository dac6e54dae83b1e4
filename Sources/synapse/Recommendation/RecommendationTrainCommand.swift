import ArgumentParser
import Foundation
import Synapse

extension RecommendationLoss: ExpressibleByArgument {}

/// The flags of a recommendation run (`--dataset movielens --model mf|two-tower`).
struct RecommendationFlags: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "--dataset movielens: bpr, sampled-softmax or mse for --model mf (default bpr); in-batch-softmax for two-tower (its only loss).")
    var loss: RecommendationLoss?

    @Option(parsing: .unconditional, help: "--dataset movielens: width of the factors (mf) or of the towers (two-tower) (default 64).")
    var factors: Int?

    @Option(parsing: .unconditional, help: "--dataset movielens: sampled negatives per interaction, --loss bpr (default 4) or sampled-softmax (default 64).")
    var negatives: Int?

    @Option(parsing: .unconditional, help: "--dataset movielens --model mf: L2 penalty on the rows of the batch's positive pairs (default 0.05 with --loss mse, else 1e-3).")
    var l2: Double?

    /// The flags given, by name.
    var given: [String] {
        [("--loss", loss != nil), ("--factors", factors != nil), ("--negatives", negatives != nil), ("--l2", l2 != nil)].filter(\.1).map(\.0)
    }

    /// Every flag of the group.
    static let flags = ["--loss", "--factors", "--negatives", "--l2"]
}

extension TrainCommand {
    /// Trains a recommender through `RecommendationJob` and prints its leave-one-out figures beside
    /// the most-popular baseline's, ending with one JSON line.
    func runRecommendation(_ kind: RecommenderKind) throws {
        if kind == .mf && temperature != nil { throw ValidationError("--temperature only applies to --model two-tower on --dataset movielens") }
        var options = RecommendationOptions(model: kind, output: URL(fileURLWithPath: "weights.safetensors"))
        let r = recommendation
        options.loss = r.loss
        options.factors = r.factors ?? options.factors
        options.negatives = r.negatives
        options.l2 = r.l2
        options.k = topK ?? options.k
        options.temperature = temperature.map(Double.init) ?? options.temperature
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? (kind == .twoTower ? 512 : options.batchSize)
        options.learningRate = lrFlag ?? options.learningRate
        options.seed = seed
        options.controls = try pipeline.controls(showProgress: !noProgress)
        do { try options.validate() } catch { throw ValidationError(error.description) }
        // The data is read and split, and a --resume checkpoint matched, before the run directory is made.
        let job = RecommendationJob(options: options, log: { _ in })
        let data = try job.loadData()
        try job.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        var config: [String: Any] = [
            "epochs": options.epochs, "batch-size": options.batchSize, "loss": options.resolvedLoss.rawValue, "factors": options.factors,
            "top-k": options.k,
        ]
        if options.resolvedNegatives > 0 { config["negatives"] = options.resolvedNegatives }
        if kind == .twoTower { config["temperature"] = options.temperature } else { config["l2"] = options.resolvedL2 }
        config.merge(pipeline.resolvedControls(options.controls)) { _, new in new }
        try run.writeConfig(resolvedOptions(config))
        options.controls.logDirectory = run.logDirectory
        let result = try RecommendationJob(options: options, log: run.say).run(data: data)
        func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        let t = result.test, p = result.popularity, k = options.k
        var summary: [String: Any] = [
            "task": "recommendation", "model": kind.rawValue, "loss": options.resolvedLoss.rawValue,
            "test_hr@\(k)": rounded(t.hitRate), "test_ndcg@\(k)": rounded(t.ndcg), "test_mrr": rounded(t.meanReciprocalRank),
            "val_hr@\(k)": rounded(result.validation.hitRate), "val_ndcg@\(k)": rounded(result.validation.ndcg),
            "popularity_hr@\(k)": rounded(p.hitRate), "popularity_ndcg@\(k)": rounded(p.ndcg), "popularity_mrr": rounded(p.meanReciprocalRank),
            "users": t.users, "items": data.movieLens.itemCount, "train_interactions": data.split.train.count,
            "epochs": result.history.records.count, "seconds_per_epoch": (result.secondsPerEpoch * 1000).rounded() / 1000,
        ]
        if let rmse = result.rmse, let itemMean = result.itemMeanRMSE {
            summary["test_rmse"] = rounded(rmse)
            summary["item_mean_rmse"] = rounded(itemMean)
        }
        try run.finish(summary)
    }
}

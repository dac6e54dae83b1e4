import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseJobs
@testable import SynapseModels

extension RealDataSuite {
    /// Recommendation on MovieLens-100K: the time-ordered leave-one-out split without leakage, and
    /// short real trainings through the CLI of matrix factorisation (BPR and MSE) and the two-tower
    /// model, measured against the most-popular baseline on the full ranking; then `recommend` and
    /// `evaluate` on the saved weights. The full figures are in docs/recommendation.md.
    @Suite(.tags(.slow))
    struct RecommendationRealDataTests {
        @Test(.enabled(if: MovieLens100K.isInstalled, "MovieLens-100K is not prepared (scripts/prepare-movielens.sh)"))
        func splitHoldsOutEachUsersLastRatingsWithoutLeakage() throws {
            let data = try RecommendationJob(options: RecommendationOptions(model: .mf, output: URL(fileURLWithPath: "/dev/null"))).loadData()
            let split = data.split
            #expect(split.train.count == 98_114 && split.validation.count == 943 && split.test.count == 943)
            var latestTraining = [Int64](repeating: .min, count: 943)
            for x in split.train { latestTraining[x.user] = max(latestTraining[x.user], x.timestamp) }
            for (v, t) in zip(split.validation, split.test) {
                #expect(v.user == t.user && latestTraining[v.user] <= v.timestamp && v.timestamp <= t.timestamp)
            }
        }

        /// A run stopped after 2 epochs and resumed to 4 ends where an uninterrupted 4-epoch run does:
        /// `SparseAdam`'s moments, the weights and the negative sampler's state all come back.
        @Test(.enabled(if: MovieLens100K.isInstalled, "MovieLens-100K is not prepared (scripts/prepare-movielens.sh)"))
        func resumingReproducesTheUninterruptedRun() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            func options(epochs: Int, _ name: String) -> RecommendationOptions {
                var o = RecommendationOptions(model: .mf, output: dir.appendingPathComponent("\(name).safetensors"))
                o.epochs = epochs
                o.factors = 16
                return o
            }
            let data = try RecommendationJob(options: options(epochs: 4, "straight")).loadData()
            let straight = try RecommendationJob(options: options(epochs: 4, "straight"), log: { _ in }).run(data: data)
            var first = options(epochs: 2, "first")
            first.controls.checkpointDirectory = dir.appendingPathComponent("checkpoints")
            try RecommendationJob(options: first, log: { _ in }).run(data: data)
            var resumed = options(epochs: 4, "resumed")
            resumed.controls.resume = dir.appendingPathComponent("checkpoints/last.safetensors")
            resumed.controls.force = true   // the epoch count differs from the checkpoint's
            let result = try RecommendationJob(options: resumed, log: { _ in }).run(data: data)
            #expect(result.test == straight.test, "resumed \(result.test) vs straight \(straight.test)")
            let a = try #require(result.model as? MatrixFactorization), b = try #require(straight.model as? MatrixFactorization)
            #expect(a.itemFactors.weight.value.scalars == b.itemFactors.weight.value.scalars)
        }

        @Test(.enabled(if: CLIImageAndTextRunTests.toolBuilt && MovieLens100K.isInstalled, "needs the built synapse tool and MovieLens-100K"))
        func recommendersTrainFromTheCLIAndBeatPopularity() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var figures: [String: [String: Any]] = [:]
            for (name, arguments) in [("mf", ["--model", "mf", "--epochs", "10"]), ("two-tower", ["--model", "two-tower", "--epochs", "8"]),
                                      ("mse", ["--model", "mf", "--loss", "mse", "--epochs", "5"])] {
                let (status, output) = try CLIImageAndTextRunTests.run(
                    ["train", "--dataset", "movielens", "--no-progress", "--run-dir", dir.appendingPathComponent(name).path] + arguments, in: dir)
                #expect(status == 0, "\(output)")
                let json = try CLIRunOutputsTests.result(output)
                for key in ["test_hr@10", "test_ndcg@10", "test_mrr", "val_ndcg@10", "popularity_hr@10", "popularity_ndcg@10", "users", "seconds_per_epoch"] {
                    #expect(json[key] != nil, "\(name): \(key) missing from \(output)")
                }
                figures[name] = json
            }
            for name in ["mf", "two-tower"] {
                let json = try #require(figures[name])
                let ndcg = try #require(json["test_ndcg@10"] as? Double), popular = try #require(json["popularity_ndcg@10"] as? Double)
                #expect(ndcg > 1.25 * popular, "\(name): NDCG@10 \(ndcg) against the most popular items' \(popular)")
                #expect(try #require(json["test_hr@10"] as? Double) > (try #require(json["popularity_hr@10"] as? Double)), "\(json)")
            }
            let mse = try #require(figures["mse"])
            #expect(try #require(mse["test_rmse"] as? Double) < (try #require(mse["item_mean_rmse"] as? Double)), "\(mse)")

            // The saved two-tower weights: top items for two users, none of them already rated.
            let weights = dir.appendingPathComponent("two-tower/weights.safetensors").path
            let (status, output) = try CLIImageAndTextRunTests.run(["recommend", "--weights", weights, "--user", "1", "--user", "405", "--top-k", "5"], in: dir)
            #expect(status == 0, "\(output)")
            let movieLens = try MovieLens100K.load()
            let lines = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(lines.count == 2, "\(output)")
            for line in lines {
                let user = try #require(line["user"] as? String), items = try #require(line["items"] as? [[String: Any]])
                #expect(items.count == 5)
                let u = try #require(movieLens.userIDs.firstIndex(of: user))
                let rated = Set(movieLens.interactions.filter { $0.user == u }.map { movieLens.itemIDs[$0.item] })
                #expect(items.allSatisfy { !rated.contains($0["id"] as? String ?? "") && ($0["title"] as? String)?.isEmpty == false }, "\(line)")
                let scores = items.compactMap { $0["score"] as? Double }
                #expect(scores == scores.sorted(by: >))
            }
            // `evaluate` recomputes the same split and reproduces the training run's test figures.
            let report = dir.appendingPathComponent("report.md").path
            let (evalStatus, evalOutput) = try CLIImageAndTextRunTests.run(["evaluate", "--weights", weights, "--report", report], in: dir)
            #expect(evalStatus == 0, "\(evalOutput)")
            let evaluated = try CLIRunOutputsTests.result(evalOutput)
            #expect(evaluated["test_ndcg@10"] as? Double == figures["two-tower"]?["test_ndcg@10"] as? Double, "\(evalOutput)")
            #expect(FileManager.default.fileExists(atPath: report))

            let rows = dir.appendingPathComponent("rows.csv")
            try Data("user,item\n1,2\n".utf8).write(to: rows)
            let refusals: [([String], String)] = [
                (["train", "--dataset", "movielens", "--model", "cnn"], "--dataset movielens is recommendation data"),
                (["train", "--dataset", "cora", "--model", "two-tower"], "--model two-tower is a recommender"),
                (["train", "--dataset", "movielens", "--model", "two-tower", "--loss", "mse"], "trains with in-batch-softmax only"),
                (["train", "--dataset", "movielens", "--model", "mf", "--loss", "mse", "--negatives", "3"], "--negatives: only applies to --loss bpr"),
                (["recommend", "--weights", weights, "--user", "0"], "no user '0'"),
                (["predict", "--weights", weights, "--input", rows.path], "synapse recommend --weights W"),
            ]
            for (arguments, message) in refusals {
                let (code, text) = try CLIImageAndTextRunTests.run(arguments, in: dir)
                #expect(code != 0 && text.contains(message), "\(arguments): \(text)")
            }
        }
    }
}

import ArgumentParser
import Foundation
import Synapse

/// `synapse recommend`: the top-K new items for a user from a trained recommender.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Top-K recommendations for a user from weights written by `synapse train --dataset movielens`, as one JSON line.",
        discussion: """
        Scores every item for the user in one matrix product and returns the K best the user has not rated, \
        best first: {"user": ..., "model": ..., "items": [{"id", "title", "score"}, ...]}. Users are MovieLens-100K's \
        ids (1-943); the dataset prepared by scripts/setup.sh supplies titles and histories.
        """
    )

    @Option(help: "Weights written by `synapse train --dataset movielens --model mf|two-tower`.")
    var weights: String

    @Option(help: "The user's MovieLens id (repeat for several users; one JSON line each).")
    var user: [String]

    @Option(name: .customLong("top-k"), help: "How many items to recommend.")
    var topK = 10

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        if user.isEmpty { throw ValidationError("give at least one --user ID") }
        if topK <= 0 { throw ValidationError("--top-k must be positive, got \(topK)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let service = try RecommendationService(weights: URL(fileURLWithPath: weights))
        let kind = service.model is TwoTowerModel ? "two-tower" : "mf"
        for u in user {
            let items = try service.recommend(user: u, k: topK)
            let line: [String: Any] = ["user": u, "model": kind,
                                       "items": items.map { ["id": $0.id, "title": $0.title, "score": ($0.score * 10_000).rounded() / 10_000] }]
            let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: json, as: UTF8.self))
        }
    }
}

extension EvaluateCommand {
    /// `synapse evaluate` on a recommender's weights: leave-one-out HR@10, NDCG@10 and MRR on the
    /// test items beside the most-popular baseline, as a report and one JSON line.
    func runRecommendation(_ weightsURL: URL) throws {
        let service = try RecommendationService(weights: weightsURL)
        let (m, p) = try service.evaluate(k: 10)
        func row(_ name: String, _ e: LeaveOneOutEvaluation) -> String {
            String(format: "| %@ | %.4f | %.4f | %.4f |", name, e.hitRate, e.ndcg, e.meanReciprocalRank)
        }
        let kind = service.model is TwoTowerModel ? "two-tower" : "mf"
        let table = ["| model | HR@10 | NDCG@10 | MRR |", "|---|---|---|---|", row(kind, m), row("most popular", p)]
        let title = "Leave-one-out evaluation: \(weightsURL.lastPathComponent) on MovieLens-100K"
        let note = "Each of the \(m.users) users' last interaction in time is ranked against every item they have not rated before it."
        let text = URL(fileURLWithPath: report).pathExtension.lowercased() == "html"
            ? "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head><body><h1>\(title)</h1><p>\(note)</p><pre>\n"
                + table.joined(separator: "\n") + "\n</pre></body></html>\n"
            : "# \(title)\n\n\(note)\n\n" + table.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: report))
        print("synapse evaluate: MovieLens-100K test items: " + String(format: "HR@10 %.4f, NDCG@10 %.4f (most popular: %.4f, %.4f)",
                                                                        m.hitRate, m.ndcg, p.hitRate, p.ndcg))
        print("wrote report to \(report)")
        func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        let json: [String: Any] = ["task": "recommendation", "model": kind, "test_hr@10": rounded(m.hitRate), "test_ndcg@10": rounded(m.ndcg),
                                   "test_mrr": rounded(m.meanReciprocalRank), "popularity_hr@10": rounded(p.hitRate),
                                   "popularity_ndcg@10": rounded(p.ndcg), "users": m.users, "report": report]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

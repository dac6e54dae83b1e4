import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// The time-ordered leave-one-out split, top-K retrieval with exclusions, and the leave-one-out
/// figures (HR@K, NDCG@K, MRR) on hand-computed cases, with the popularity baseline.
@Suite struct LeaveOneOutProtocolTests {
    static func event(_ u: Int, _ i: Int, _ t: Int64) -> Interaction { Interaction(user: u, item: i, rating: 4, timestamp: t) }

    @Test func splitHoldsOutEachUsersLastTwoEventsInTime() {
        let events = [Self.event(0, 5, 30), Self.event(0, 1, 10), Self.event(1, 2, 5), Self.event(0, 2, 20), Self.event(0, 3, 40),
                      Self.event(1, 4, 6), Self.event(0, 7, 40)]
        let split = LeaveOneOutSplit(events, userCount: 3)
        // User 0 by time: 1 (10), 2 (20), 5 (30), 3 and 7 tie at 40 -> file order: 3 then 7.
        #expect(split.test.map(\.item) == [7])
        #expect(split.validation.map(\.item) == [3])
        #expect(split.trainingItems[0] == [1, 2, 5])
        // User 1 has two events: both train; user 2 has none.
        #expect(split.trainingItems[1] == [2, 4] && split.trainingItems[2].isEmpty)
        // No training event of a user is later than that user's held-out events.
        for x in split.train where x.user == 0 { #expect(x.timestamp <= split.validation[0].timestamp) }
    }

    @Test func topKSkipsExcludedItemsAndBreaksTiesByIndex() {
        let scores = Tensor(shape: [2, 6], scalars: [0.1, 0.9, 0.5, 0.9, -1, 0.3,
                                                     5, 4, 3, 2, 1, 0])
        #expect(TopKRetrieval.topK(scores: scores, k: 3, excluding: [[1], [0, 2]]) == [[3, 2, 5], [1, 3, 4]])
        #expect(TopKRetrieval.topK(scores: scores, k: 10) == [[1, 3, 2, 5, 0, 4], [0, 1, 2, 3, 4, 5]])
        // Against a full sort on random scores.
        let random = Init.normal([3, 50], generator: RandomGenerator(seed: 1))
        let expected = (0..<3).map { r in Array((0..<50).sorted { random.scalars[r * 50 + $0] > random.scalars[r * 50 + $1] }.prefix(7)) }
        #expect(TopKRetrieval.topK(scores: random, k: 7) == expected)
    }

    @Test func leaveOneOutFiguresOnAHandComputedCase() throws {
        // Items 0..4. User 0 holds out item 2, ranked 2nd after excluding item 0 -> NDCG 1/log2(3).
        // User 1 holds out item 4, ranked 5th of 5 -> miss at K=3, reciprocal rank 1/5.
        let scores = Tensor(shape: [2, 5], scalars: [9, 5, 4, 1, 0,
                                                     5, 4, 3, 2, 1])
        let e = try LeaveOneOutEvaluation(k: 3, heldOut: [(0, 2), (1, 4)], excluded: [[0], []], itemCount: 5) { users in
            Tensor(shape: [users.count, 5], scalars: users.flatMap { Array(scores.scalars[($0 * 5)..<($0 * 5 + 5)]) })
        }
        #expect(e.hitRate == 0.5)
        #expect(abs(e.ndcg - (1 / log2(3.0)) / 2) < 1e-12)
        #expect(abs(e.meanReciprocalRank - (0.5 + 0.2) / 2) < 1e-12)
        #expect(throws: MetricError.self) { try LeaveOneOutEvaluation(k: 3, heldOut: [], excluded: [], itemCount: 5) { _ in scores } }
    }

    @Test func popularityBaselineCountsTrainingInteractions() {
        let p = PopularityBaseline(trainingItems: [2, 2, 0, 2, 1, 0], itemCount: 4)
        #expect(p.counts == [2, 1, 3, 0])
        #expect(p.scores(users: [5, 6]).shape == [2, 4])
        #expect(TopKRetrieval.topK(scores: p.scores(users: [0]), k: 2) == [[2, 0]])
    }
}

import Testing
@testable import Synapse
@testable import SynapseData

/// Splits that would leave a requested part empty are refused when they are made.
@Suite struct SplitEmptinessTests {
    @Test func tooFewRowsForTheFractionsThrow() {
        // 3 rows with 10 % test: round(0.3) = 0 test rows.
        #expect(throws: SplitError.self) { try Splitter.random(count: 3, validation: 0, test: 0.1, seed: 0) }
        do {
            _ = try Splitter.random(count: 3, validation: 0, test: 0.1, seed: 0)
        } catch {
            guard case .emptyPart(let part, let rows, _) = error else { Issue.record("expected emptyPart, got \(error)"); return }
            #expect(part == "test" && rows == 3)
        }
        // One row cannot be split at all: its validation rounds to 1 and training is empty.
        #expect(throws: SplitError.self) { try Splitter.random(count: 1, validation: 0.5, seed: 0) }
        #expect(throws: SplitError.self) { try Splitter.random(count: 0, validation: 0.2, seed: 0) }
        #expect(throws: SplitError.self) { try Splitter.stratified(labels: [0, 1, 1], validation: 0, test: 0.1, seed: 0) }
        // A zero fraction may stay empty.
        #expect((try? Splitter.random(count: 3, validation: 0.34, test: 0, seed: 0))?.test == [])
    }

    @Test func tiesThatEmptyATimePartThrow() {
        // All rows share one time: the cut moves past them, leaving validation empty.
        let times = [Double](repeating: 2000, count: 10)
        do {
            _ = try Splitter.timeOrdered(times: times, validation: 0.2)
            Issue.record("expected a throw")
        } catch {
            guard case .emptyPart(let part, _, _) = error else { Issue.record("expected emptyPart, got \(error)"); return }
            #expect(part == "validation")
        }
        #expect(throws: SplitError.self) { try Splitter.timeSeriesFolds(times: [1, 1, 1, 1, 2], k: 3) }
        #expect((try? Splitter.timeSeriesFolds(times: [1, 2, 3, 4, 5], k: 3))?.count == 3)
    }
}

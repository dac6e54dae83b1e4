import Testing
@testable import Synapse
@testable import SynapseData

/// Loaders that would yield no batch are reported by the data layer instead of training nothing.
@Suite struct DataLoaderEmptinessTests {
    @Test func batchCountCountsTheEpoch() {
        #expect(DataLoader(IndexDataset(count: 10), batchSize: 4).batchCount == 3)
        #expect(DataLoader(IndexDataset(count: 10), batchSize: 4, dropLast: true).batchCount == 2)
        #expect(DataLoader(IndexDataset(count: 3), batchSize: 4, dropLast: true).batchCount == 0)
    }

    @Test func zeroBatchesThrowNamingTheSplit() throws {
        let tooSmall = DataLoader(IndexDataset(count: 3), batchSize: 4, dropLast: true)
        guard case .empty(let name, let reason)? = dataError({ () throws(DataError) in try tooSmall.validateNotEmpty(name: "training split") }) else {
            Issue.record("expected empty"); return
        }
        #expect(name == "training split")
        #expect(reason.contains("3 examples") && reason.contains("batch of 4"))
        guard case .empty(_, let emptyReason)? = dataError({ () throws(DataError) in
            try DataLoader(IndexDataset(count: 0), batchSize: 2).validateNotEmpty(name: "test split")
        }) else { Issue.record("expected empty"); return }
        #expect(emptyReason.contains("no examples"))
        try DataLoader(IndexDataset(count: 3), batchSize: 4).validateNotEmpty(name: "ok")
    }
}

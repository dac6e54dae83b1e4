import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// BPR, sampled softmax and the in-batch softmax (duplicate items masked, logQ correction)
/// against PyTorch (`scripts/make-recommendation-fixtures.py`), within rtol 1e-5, atol 1e-6; and
/// their gradients against finite differences.
@Suite struct RetrievalLossTests {
    static func fixture() throws -> SafeTensorsArchive { try SparseEmbeddingUpdateTests.fixture() }

    @Test func bprAndSampledSoftmaxMatchPyTorch() throws {
        let a = try Self.fixture()
        let pos = try a.tensor("bpr.positive"), neg = try a.tensor("bpr.negative")
        expectClose(bprLoss(positive: pos, negative: neg).reshaped([1]), try a.tensor("bpr.loss"), rtol: 1e-5, atol: 1e-6, "BPR")
        expectClose(sampledSoftmaxLoss(positive: pos, negative: neg, temperature: 0.5).reshaped([1]), try a.tensor("sampled_softmax.loss"),
                    rtol: 1e-5, atol: 1e-6, "sampled softmax")
    }

    @Test func inBatchSoftmaxMatchesPyTorchWithDuplicatesAndLogQ() throws {
        let a = try Self.fixture()
        let q = try a.tensor("in_batch.query").requiringGrad(), k = try a.tensor("in_batch.item").requiringGrad()
        let ids = try a.intTensor("in_batch.item_ids").scalars, logQ = try a.tensor("in_batch.log_q").scalars
        let loss = inBatchSoftmaxLoss(query: q, item: k, itemIDs: ids, temperature: 0.1, logQ: logQ)
        expectClose(loss.reshaped([1]), try a.tensor("in_batch.loss"), rtol: 1e-5, atol: 1e-6, "loss")
        loss.backward()
        expectClose(try #require(q.grad), try a.tensor("in_batch.grad_query"), rtol: 1e-4, atol: 1e-6, "query gradient")
        expectClose(try #require(k.grad), try a.tensor("in_batch.grad_item"), rtol: 1e-4, atol: 1e-6, "item gradient")
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 11)
        let pos = Init.normal([4], generator: g), neg = Init.normal([4, 3], generator: g)
        FiniteDifference.check("bprLoss", [pos, neg]) { bprLoss(positive: $0[0], negative: $0[1]) }
        FiniteDifference.check("bprLoss 1-D", [pos, Init.normal([4], generator: g)]) { bprLoss(positive: $0[0], negative: $0[1]) }
        FiniteDifference.check("sampledSoftmaxLoss", [pos, neg]) { sampledSoftmaxLoss(positive: $0[0], negative: $0[1], temperature: 0.7) }
        let q = Init.normal([4, 3], generator: g), k = Init.normal([4, 3], generator: g)
        FiniteDifference.check("inBatchSoftmaxLoss", [q, k]) {
            inBatchSoftmaxLoss(query: $0[0], item: $0[1], itemIDs: [0, 1, 0, 2], temperature: 0.5, logQ: [-1, -2, -1, -3])
        }
    }
}

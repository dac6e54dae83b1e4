import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// Row-sparse embedding gradients and `SparseAdam` against PyTorch (`nn.Embedding(sparse=True)`,
/// `torch.optim.SparseAdam`; `scripts/make-recommendation-fixtures.py`), within rtol 1e-4, atol 1e-6
/// after four steps (float32 on both sides).
@Suite struct SparseEmbeddingUpdateTests {
    static let archive: SafeTensorsArchive? = {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return nil }
        return try? SafeTensorsArchive(contentsOf: dir.appendingPathComponent("recommendation/recommendation.safetensors"))
    }()

    static func fixture() throws -> SafeTensorsArchive { try #require(archive, "Fixtures/recommendation/recommendation.safetensors") }

    @Test func sparseGradientEqualsTheDenseOneAndSkipsThePaddingRow() {
        let weights = Init.normal([6, 3], generator: RandomGenerator(seed: 1))
        let indices = IntTensor(shape: [2, 3], scalars: [1, 4, 1, 0, 5, 4])
        let upstream = Init.normal([2, 3, 3], generator: RandomGenerator(seed: 2))
        for padding in [nil, 4] as [Int?] {
            let dense = Embedding(6, 3, paddingIndex: padding)
            dense.weight.value = weights
            let sparse = Embedding(6, 3, paddingIndex: padding, sparse: true)
            sparse.weight.value = weights
            let yd = dense(indices), ys = sparse(indices)
            expectClose(ys, yd, rtol: 0, atol: 0, "forward")
            yd.backward(upstream)
            ys.backward(upstream)
            #expect(sparse.weight.grad == nil, "a sparse table has no dense gradient")
            let g = sparse.weight.sparseGrad
            #expect(g?.rows == (padding == nil ? [1, 4, 0, 5] : [1, 0, 5]), "touched rows, each once, in first-touch order")
            if let g, let reference = dense.weight.grad { expectClose(g.dense(), reference, rtol: 1e-6, atol: 1e-7, "gradient, padding \(String(describing: padding))") }
        }
    }

    @Test func sparseGradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        let table = Embedding(5, 2, sparse: true, generator: RandomGenerator(seed: 3))
        table(IntTensor([0, 2])).sum().backward()
        table(IntTensor([2, 3])).sum().backward()
        let g = table.weight.sparseGrad
        #expect(g?.rows == [0, 2, 3])
        #expect(g?.values == [1, 1, 2, 2, 1, 1])
        table.zeroGrad()
        #expect(table.weight.sparseGrad == nil)
        table.weight.requiresGrad = false
        table.weight.accumulateSparseGrad(RowSparseGradient(tableRows: 5, rowWidth: 2))
        #expect(table.weight.sparseGrad == nil, "a frozen table collects nothing")
        #expect(!table(IntTensor([1])).requiresGrad, "nor records anything")
    }

    @Test func sparseAdamMatchesPyTorch() throws {
        let a = try Self.fixture()
        let table = Embedding(9, 4, sparse: true)
        table.weight.value = try a.tensor("sparse_adam.initial")
        let optimizer = SparseAdam(table.parameters(), learningRate: 0.05)
        let indices = try a.intTensor("sparse_adam.indices"), targets = try a.tensor("sparse_adam.targets")
        for s in 0..<4 {
            optimizer.zeroGrad()
            let idx = IntTensor(Array(indices.scalars[(s * 4)..<(s * 4 + 4)]))
            let loss = (table(idx) * targets[s]).sum()
            (loss * loss).backward()
            optimizer.step()
        }
        expectClose(table.weight.value, try a.tensor("sparse_adam.final"), rtol: 1e-4, atol: 1e-6, "weights after 4 steps")
        let state = optimizer.stateDict()
        expectClose(try #require(state["0.exp_avg"]), try a.tensor("sparse_adam.exp_avg"), rtol: 1e-4, atol: 1e-6, "exp_avg")
        expectClose(try #require(state["0.exp_avg_sq"]), try a.tensor("sparse_adam.exp_avg_sq"), rtol: 1e-4, atol: 1e-7, "exp_avg_sq")
        // Row 4 was never touched: it keeps its initial value exactly.
        #expect(table.weight.value[4].scalars == (try a.tensor("sparse_adam.initial"))[4].scalars)
    }

    @Test func denseGradientsFollowTheSameRuleOverEveryRow() {
        let init0 = Init.normal([3, 2], generator: RandomGenerator(seed: 5))
        let upstream = Init.normal([3, 2], generator: RandomGenerator(seed: 6))
        let sparse = Embedding(3, 2, sparse: true), dense = Parameter(init0)
        sparse.weight.value = init0
        let (os, od) = (SparseAdam(sparse.parameters(), learningRate: 0.1), SparseAdam([dense], learningRate: 0.1))
        for _ in 0..<3 {
            os.zeroGrad(); od.zeroGrad()
            (sparse(IntTensor([0, 1, 2])) * upstream).sum().backward()
            (dense.value * upstream).sum().backward()
            os.step(); od.step()
        }
        expectClose(sparse.weight.value, dense.value, rtol: 1e-6, atol: 1e-7, "all rows touched = dense")
    }

    @Test func sparseAdamStateRoundTrips() throws {
        let table = Embedding(4, 2, sparse: true, generator: RandomGenerator(seed: 7))
        let optimizer = SparseAdam(table.parameters())
        table(IntTensor([1, 3])).sum().backward()
        optimizer.step()
        let restored = SparseAdam(table.parameters())
        try restored.loadStateDict(optimizer.stateDict())
        let (a, b) = (optimizer.stateDict(), restored.stateDict())
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, t) in a { #expect(b[name]?.scalars == t.scalars, "\(name)") }
        // One more step from either gives the same table.
        let copy = Embedding(4, 2, sparse: true)
        copy.weight.value = table.weight.value
        let other = SparseAdam(copy.parameters())
        try other.loadStateDict(a)
        for (t, o) in [(table, optimizer), (copy, other)] {
            o.zeroGrad()
            t(IntTensor([3, 0])).sum().backward()
            o.step()
        }
        #expect(copy.weight.value.scalars == table.weight.value.scalars)
    }

    @Test func clippingAndLossScalingReadSparseGradients() {
        let table = Embedding(4, 2, sparse: true)
        (table(IntTensor([1, 2])) * 3).sum().backward()   // rows 1 and 2: all 3s
        #expect(abs(GradientClipping.totalNorm(table.parameters()) - 6) < 1e-9)
        GradientClipping.clipByNorm(table.parameters(), maxNorm: 3)
        #expect(abs(GradientClipping.totalNorm(table.parameters()) - 3) < 1e-4)
        let scaler = GradientScaler(initialScale: 4)
        #expect(scaler.unscaleGradients(of: table.parameters()))
        #expect(table.weight.sparseGrad?.values.allSatisfy { abs($0 - 0.375) < 1e-6 } == true)
        table.weight.sparseGrad = RowSparseGradient(tableRows: 4, rowWidth: 2)
        var bad = RowSparseGradient(tableRows: 4, rowWidth: 2)
        [Float.nan, 1].withUnsafeBufferPointer { bad.accumulate(indices: [0], gradient: $0) }
        table.weight.sparseGrad = bad
        #expect(!GradientScaler(initialScale: 4).unscaleGradients(of: table.parameters()), "an overflow in a sparse row is seen")
    }
}

import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct TensorDatasetTests {
    /// 5 examples of shape [2, 3]; element j of example i is 100 i + j.
    private func sample() -> TensorDataset {
        let features = Tensor(shape: [5, 2, 3], scalars: (0..<5).flatMap { i in (0..<6).map { Float(100 * i + $0) } })
        return TensorDataset(features: features, labels: IntTensor([4, 3, 2, 1, 0]))
    }

    @Test func batchCopiesSelectedRowsInOrder() {
        let batch = sample().batch([3, 0, 3])
        #expect(batch.features.shape == [3, 2, 3])
        #expect(batch.features.scalars == [300, 301, 302, 303, 304, 305, 0, 1, 2, 3, 4, 5, 300, 301, 302, 303, 304, 305])
        #expect(batch.labels == IntTensor([1, 4, 1]))
    }

    @Test func emptyBatch() {
        let batch = sample().batch([])
        #expect(batch.features.shape == [0, 2, 3])
        #expect(batch.labels.count == 0)
    }

    @Test func subscriptReturnsOneExample() {
        let example = sample()[2]
        #expect(example.features.shape == [2, 3])
        #expect(example.features.scalars == [200, 201, 202, 203, 204, 205])
        #expect(example.label == 2)
    }

    @Test func stridedFeaturesAreMadeDense() {
        // A transposed view: batch must follow the logical layout.
        let base = Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5]).transposed()    // [[0,2,4],[1,3,5]]
        let data = TensorDataset(features: base, labels: IntTensor([0, 1]))
        #expect(data.batch([1]).features.scalars == [1, 3, 5])
    }

    @Test func subsetAndSplit() {
        let data = sample()
        let subset = data.subset([4, 1])
        #expect(subset.count == 2)
        #expect(subset.labels == IntTensor([0, 3]))
        #expect(subset[0].features.scalars.first == 400)

        let (train, held) = data.randomSplit(holdOut: 2, seed: 1)
        #expect(train.count == 3 && held.count == 2)
        let firsts = (train.features.scalars + held.features.scalars).enumerated()
            .filter { $0.offset % 6 == 0 }.map { Int($0.element) / 100 }
        #expect(firsts.sorted() == [0, 1, 2, 3, 4])
        #expect(data.randomSplit(holdOut: 2, seed: 1).1.labels == held.labels)
    }

    @Test func labelCounts() {
        let data = TensorDataset(features: Tensor.zeros([6, 1]), labels: IntTensor([0, 2, 2, 1, 2, 0]))
        #expect(data.labelCounts() == [2, 1, 3])
    }
}

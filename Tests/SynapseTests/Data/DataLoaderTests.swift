import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct DataLoaderTests {
    @Test func batchCountsAndSizes() {
        let loader = DataLoader(IndexDataset(count: 10), batchSize: 3)
        #expect(loader.count == 4)
        #expect(loader.map(\.count) == [3, 3, 3, 1])
        #expect(Array(loader).flatMap { $0 } == Array(0..<10))

        let dropping = DataLoader(IndexDataset(count: 10), batchSize: 3, dropLast: true)
        #expect(dropping.count == 3)
        #expect(dropping.map(\.count) == [3, 3, 3])

        let exact = DataLoader(IndexDataset(count: 9), batchSize: 3, dropLast: true)
        #expect(exact.count == 3 && exact.map(\.count) == [3, 3, 3])

        #expect(DataLoader(IndexDataset(count: 0), batchSize: 4).count == 0)
        #expect(DataLoader(IndexDataset(count: 2), batchSize: 4, dropLast: true).map { $0 }.isEmpty)
    }

    @Test func fashionMNISTSizedEpoch() {
        #expect(DataLoader(IndexDataset(count: 60000), batchSize: 128, shuffle: true, dropLast: true).count == 468)
        #expect(DataLoader(IndexDataset(count: 60000), batchSize: 128).count == 469)
    }

    @Test func everyIndexExactlyOncePerEpoch() {
        let loader = DataLoader(IndexDataset(count: 1000), batchSize: 64, shuffle: true, seed: 3)
        for _ in 0..<3 {
            let seen = loader.flatMap { $0 }
            #expect(seen.count == 1000)
            #expect(seen.sorted() == Array(0..<1000))
            #expect(seen != Array(0..<1000))
        }
    }

    @Test func sameSeedSameEpochSequence() {
        let a = DataLoader(IndexDataset(count: 200), batchSize: 16, shuffle: true, seed: 42)
        let b = DataLoader(IndexDataset(count: 200), batchSize: 16, shuffle: true, seed: 42)
        let c = DataLoader(IndexDataset(count: 200), batchSize: 16, shuffle: true, seed: 43)
        for _ in 0..<3 {
            let epochA = a.flatMap { $0 }
            #expect(epochA == b.flatMap { $0 })
            #expect(epochA != c.flatMap { $0 })
        }
    }

    @Test func differentOrderAcrossEpochs() {
        let loader = DataLoader(IndexDataset(count: 200), batchSize: 200, shuffle: true, seed: 0)
        let first = loader.flatMap { $0 }, second = loader.flatMap { $0 }
        #expect(first != second)
        #expect(first.sorted() == second.sorted())
    }

    @Test func generatorStateResumesTheSequence() {
        let a = DataLoader(IndexDataset(count: 100), batchSize: 10, shuffle: true, seed: 9)
        _ = a.flatMap { $0 }
        let saved = a.generatorState
        let next = a.flatMap { $0 }
        let b = DataLoader(IndexDataset(count: 100), batchSize: 10, shuffle: true, seed: 123)
        b.generatorState = saved
        #expect(b.flatMap { $0 } == next)
    }

    @Test func tensorBatchesMatchTheirLabels() {
        // Features hold the example's own index; labels the index mod 10.
        let n = 50
        let data = TensorDataset(features: Tensor(shape: [n, 2], scalars: (0..<n).flatMap { [Float($0), Float($0)] }),
                                 labels: IntTensor((0..<n).map { $0 % 10 }))
        var seen: [Int] = []
        for (x, y) in DataLoader(data, batchSize: 8, shuffle: true, seed: 5) {
            #expect(x.shape[1] == 2 && x.shape[0] == y.count)
            let indices = stride(from: 0, to: x.count, by: 2).map { Int(x.scalars[$0]) }
            #expect(indices.map { $0 % 10 } == y.scalars)
            seen += indices
        }
        #expect(seen.sorted() == Array(0..<n))
    }

    @Test func permutationIsFisherYatesShuffle() {
        let p = Permutation.shuffled(10_000, using: RandomGenerator(seed: 1))
        #expect(p.sorted() == Array(0..<10_000))
        #expect(Permutation.shuffled(10_000, using: RandomGenerator(seed: 1)) == p)
        #expect(Permutation.shuffled(0, using: RandomGenerator(seed: 1)).isEmpty)
        #expect(Permutation.shuffled(1, using: RandomGenerator(seed: 1)) == [0])
    }
}

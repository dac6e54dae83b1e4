import Synchronization
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct PrefetchingLoaderTests {
    /// Counts how many batches a dataset has gathered.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// `IndexDataset` that counts its `batch` calls.
    struct CountingDataset: BatchedDataset, Sendable {
        let count: Int
        let counter: Counter
        subscript(index: Int) -> Int { index }
        func batch(_ indices: [Int]) -> [Int] {
            counter.value.add(1, ordering: .relaxed)
            return indices
        }
    }

    enum ProducerError: Error, Equatable { case broken(at: Int) }

    @Test(arguments: [1, 2, 5])
    func sameBatchesAsWithoutPrefetch(depth: Int) {
        for (n, batchSize, dropLast) in [(100, 7, false), (100, 7, true), (64, 8, false), (3, 5, false), (0, 4, false)] {
            let plain = DataLoader(IndexDataset(count: n), batchSize: batchSize, shuffle: true, dropLast: dropLast, seed: 12)
            let prefetched = DataLoader(IndexDataset(count: n), batchSize: batchSize, shuffle: true, dropLast: dropLast, seed: 12)
                .prefetching(depth: depth)
            #expect(prefetched.count == plain.count)
            for _ in 0..<3 {
                #expect(Array(prefetched) == Array(plain), "n \(n) batch \(batchSize) dropLast \(dropLast)")
            }
            #expect(prefetched.loader.generatorState == plain.generatorState)
        }
    }

    @Test func sameAugmentedTensorBatchesAsWithoutPrefetch() {
        func loader() -> DataLoader<AugmentedDataset<TensorDataset>> {
            let data = TensorDataset(features: Tensor(shape: [50, 1, 4, 4], scalars: (0..<800).map { Float($0) }),
                                     labels: IntTensor((0..<50).map { $0 % 10 }))
            return DataLoader(data.augmented(Compose(RandomCrop(size: 4, padding: 1), GaussianNoise(standardDeviation: 0.5)), seed: 2),
                              batchSize: 8, shuffle: true, seed: 6)
        }
        let plain = loader(), prefetched = loader().prefetching(depth: 3)
        for _ in 0..<2 {
            let a = plain.map { ($0.features.scalars, $0.features.shape, $0.labels.scalars) }
            let b = prefetched.map { ($0.features.scalars, $0.features.shape, $0.labels.scalars) }
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) { #expect(x.0 == y.0 && x.1 == y.1 && x.2 == y.2) }
        }
    }

    @Test func leavingTheLoopEarlyStopsTheBackgroundThread() {
        let counter = Counter()
        let loader = DataLoader(CountingDataset(count: 1000, counter: counter), batchSize: 10, shuffle: true, seed: 1)
            .prefetching(depth: 2)
        var taken = 0
        for _ in loader {
            taken += 1
            if taken == 3 { break }
        }
        // The iterator's release waited for the thread: it gathered at most `depth` batches beyond
        // those taken, and gathers no more.
        let gathered = counter.value.load(ordering: .relaxed)
        #expect(gathered >= 3 && gathered <= 3 + 2)
        // The loader is reusable: the next epoch is complete and matches a plain loader's second epoch.
        let plain = DataLoader(IndexDataset(count: 1000), batchSize: 10, shuffle: true, seed: 1)
        _ = plain.makeIterator()
        #expect(Array(loader) == Array(plain))
        #expect(counter.value.load(ordering: .relaxed) == gathered + 100)
    }

    @Test func cancelJoinsTheProducer() {
        let counter = Counter()
        let prefetcher = BackgroundPrefetcher<Int, Never>(depth: 4) { i in
            counter.value.add(1, ordering: .relaxed)
            return i
        }
        #expect(prefetcher.next() == 0)
        #expect(prefetcher.next() == 1)
        prefetcher.cancel()
        let produced = counter.value.load(ordering: .relaxed)
        #expect(produced >= 2 && produced <= 2 + 4)
        #expect(prefetcher.next() == nil)
        prefetcher.cancel()                                   // a second cancel does nothing
        #expect(counter.value.load(ordering: .relaxed) == produced)
    }

    @Test func errorsReachTheConsumerAfterEarlierElements() {
        let prefetcher = BackgroundPrefetcher<Int, ProducerError>(depth: 2) { i throws(ProducerError) in
            if i == 3 { throw .broken(at: i) }
            return i * 10
        }
        var got: [Int] = []
        do {
            while let x = try prefetcher.next() { got.append(x) }
            Issue.record("expected an error")
        } catch {
            #expect(error == .broken(at: 3))
        }
        #expect(got == [0, 10, 20])
        #expect((try? prefetcher.next()) == .some(nil))      // finished after the error
    }

    @Test func consumerSlowerOrFasterThanProducerGetsEveryElementInOrder() {
        let prefetcher = BackgroundPrefetcher<[Int], Never>(depth: 1) { i in
            i < 500 ? Array(repeating: i, count: i % 7) : nil
        }
        var got: [[Int]] = []
        while let x = prefetcher.next() { got.append(x) }
        #expect(got == (0..<500).map { Array(repeating: $0, count: $0 % 7) })
    }
}

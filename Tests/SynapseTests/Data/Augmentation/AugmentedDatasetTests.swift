import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct AugmentedDatasetTests {
    private func dataset(_ n: Int = 40) -> TensorDataset {
        TensorDataset(features: Tensor(shape: [n, 1, 4, 4], scalars: (0..<(n * 16)).map { Float($0 % 16 + 1) }),
                      labels: IntTensor((0..<n).map { $0 % 3 }))
    }

    private func epochs(_ loader: DataLoader<AugmentedDataset<TensorDataset>>, _ count: Int) -> [[Float]] {
        (0..<count).flatMap { _ in loader.map { $0.features.scalars + $0.labels.scalars.map(Float.init) } }
    }

    @Test func augmentsFeaturesKeepsLabels() {
        let base = dataset()
        let augmented = base.augmented(Compose(RandomCrop(size: 4, padding: 1), RandomHorizontalFlip()), seed: 0)
        #expect(augmented.count == base.count)
        let b = augmented.batch([3, 1, 2])
        #expect(b.features.shape == [3, 1, 4, 4])
        #expect(b.labels.scalars == [0, 1, 2])
        #expect(b.features.scalars != base.batch([3, 1, 2]).features.scalars)
        let one = augmented[5]
        #expect(one.features.shape == [1, 4, 4] && one.label == 2)
    }

    @Test func seededLoaderGivesTheSameAugmentedEpochs() {
        let transform = Compose(RandomCrop(size: 4, padding: 1), RandomHorizontalFlip(), GaussianNoise(standardDeviation: 0.1))
        let a = DataLoader(dataset().augmented(transform, seed: 3), batchSize: 8, shuffle: true, seed: 1)
        let b = DataLoader(dataset().augmented(transform, seed: 3), batchSize: 8, shuffle: true, seed: 1)
        let c = DataLoader(dataset().augmented(transform, seed: 4), batchSize: 8, shuffle: true, seed: 1)
        let epochsA = epochs(a, 2)
        #expect(epochsA == epochs(b, 2))
        #expect(epochsA != epochs(c, 2))
        #expect(epochsA[0..<5] != epochsA[5..<10])     // a new augmentation every epoch
    }

    @Test func generatorStateResumesTheAugmentation() {
        let transform = GaussianNoise(standardDeviation: 1)
        let a = dataset().augmented(transform, seed: 0)
        _ = a.batch([0, 1])
        let saved = a.generatorState
        let next = a.batch([2, 3]).features.scalars
        let b = dataset().augmented(transform, seed: 99)
        b.generatorState = saved
        #expect(b.batch([2, 3]).features.scalars == next)
    }

    @Test func augmentationStreamIsIndependentOfTheShuffleStream() {
        // Same seed for shuffling and augmentation must not give correlated draws.
        #expect(RandomGenerator(seed: 0, stream: .augmentation).next() != RandomGenerator(seed: 0, stream: .dataOrder).next())
    }
}

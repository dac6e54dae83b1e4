import SynapseCore

/// Iterates over a dataset in batches, optionally shuffled (PyTorch's `DataLoader`).
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 128, shuffle: true, dropLast: true, seed: 0)
/// for epoch in 1...5 {
///     for (x, y) in loader { ... }    // a fresh permutation every epoch
/// }
/// ```
///
/// Every iteration (`for ... in`, `makeIterator()`) is one epoch. When `shuffle` is on, each
/// epoch draws a new Fisher-Yates permutation from one generator seeded once with `seed`, so the
/// sequence of epoch orders is the same in every run with the same seed. Save and restore
/// `generatorState` to resume that sequence from a checkpoint. Batches are gathered lazily, one
/// `dataset.batch(_:)` call each, as the iteration advances.
///
/// `init(_:batchSize:randomBatches:generator:)` makes a sampling loader instead: every epoch is
/// `randomBatches` batches whose indices are drawn uniformly with replacement from `generator`
/// (the random windows of language-model training, where an "epoch" is only a reporting interval).
public final class DataLoader<D: BatchedDataset>: Sequence {
    /// The dataset iterated over.
    public let dataset: D
    /// Examples per batch (the last batch may be smaller unless `dropLast`).
    public let batchSize: Int
    /// Whether each epoch visits the examples in a new random order.
    public let shuffle: Bool
    /// Whether an incomplete final batch is skipped.
    public let dropLast: Bool
    /// The seed of the shuffling generator.
    public let seed: UInt64
    /// Batches per epoch of a sampling loader (indices drawn with replacement); nil for a loader
    /// that visits every example once per epoch.
    public let randomBatches: Int?
    /// The share of every epoch this process visits in a data-parallel job, or nil for all of it.
    public let sampler: DistributedSampler?
    private let generator: RandomGenerator

    /// A loader over `dataset`.
    /// - Parameters:
    ///   - batchSize: examples per batch, at least 1.
    ///   - shuffle: draw a new random order every epoch (otherwise examples come in index order).
    ///   - dropLast: skip the final batch when it has fewer than `batchSize` examples.
    ///   - seed: seeds the shuffling generator once, at creation (its `.dataOrder` stream, so that
    ///     reusing the seed of weight initialisation does not correlate the two).
    ///   - sampler: in a data-parallel job, this process's share of each epoch's order (every
    ///     process shuffles alike with the same seed, see `DistributedSampler`); `batchSize` is
    ///     then per process, as in PyTorch's DDP.
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0,
                sampler: DistributedSampler? = nil) {
        require(batchSize >= 1, "DataLoader: batchSize must be at least 1, got \(batchSize)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.randomBatches = nil
        self.sampler = sampler
        // Its own stream: the same seed used for weight init must not give the same random numbers.
        self.generator = RandomGenerator(seed: seed, stream: .dataOrder)
    }

    /// A sampling loader: each epoch is `randomBatches` batches of `batchSize` indices drawn
    /// uniformly with replacement (`generator.nextInt(below: dataset.count)`, one draw per example,
    /// lazily as the iteration advances), so a step-based run that stops mid-epoch consumes exactly
    /// the draws of the batches it trained on. `generator` is used as given (not reseeded); its
    /// state is `generatorState`. `seed` reads 0.
    public init(_ dataset: D, batchSize: Int, randomBatches: Int, generator: RandomGenerator) {
        require(batchSize >= 1, "DataLoader: batchSize must be at least 1, got \(batchSize)")
        require(randomBatches >= 1, "DataLoader: randomBatches must be at least 1, got \(randomBatches)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = false
        self.dropLast = false
        self.seed = 0
        self.randomBatches = randomBatches
        self.sampler = nil
        self.generator = generator
    }

    /// Number of batches per epoch.
    public var count: Int {
        if let randomBatches { return dataset.count > 0 ? randomBatches : 0 }
        let n = sampler?.examplesPerProcess(of: dataset.count) ?? dataset.count
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    /// Number of batches per epoch (the exact count).
    public var underestimatedCount: Int { count }

    /// The shuffling generator's state, to save in a checkpoint and restore on resume.
    public var generatorState: [UInt64] {
        get { generator.state }
        set { generator.state = newValue }
    }

    /// Starts a new epoch, drawing a fresh order when `shuffle` is on.
    public func makeIterator() -> Iterator {
        if randomBatches != nil {
            return Iterator(dataset: dataset, order: [], batchSize: batchSize, batchCount: count, sampler: generator)
        }
        let n = dataset.count
        let epochOrder = shuffle ? Permutation.shuffled(n, using: generator) : Array(0..<n)
        let order = sampler?.shard(epochOrder) ?? epochOrder
        return Iterator(dataset: dataset, order: order, batchSize: batchSize, batchCount: count)
    }

    /// One epoch's pass over the dataset.
    public struct Iterator: IteratorProtocol {
        private let dataset: D
        /// The order in which this epoch visits the examples (empty for a sampling loader, whose
        /// indices are drawn batch by batch).
        public let order: [Int]
        private let batchSize: Int
        private let batchCount: Int
        private let sampler: RandomGenerator?
        private var nextBatch = 0

        init(dataset: D, order: [Int], batchSize: Int, batchCount: Int, sampler: RandomGenerator? = nil) {
            self.dataset = dataset
            self.order = order
            self.batchSize = batchSize
            self.batchCount = batchCount
            self.sampler = sampler
        }

        /// The next batch, or nil at the end of the epoch.
        public mutating func next() -> D.Batch? {
            guard nextBatch < batchCount else { return nil }
            if let sampler {
                nextBatch += 1
                let n = dataset.count
                return dataset.batch((0..<batchSize).map { _ in sampler.nextInt(below: n) })
            }
            let start = nextBatch * batchSize
            let end = Swift.min(start + batchSize, order.count)
            nextBatch += 1
            return dataset.batch(Array(order[start..<end]))
        }
    }
}

extension DataLoader: @unchecked Sendable where D: Sendable {}

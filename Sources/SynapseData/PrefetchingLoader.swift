import SynapseCore

/// A `DataLoader` whose batches are gathered on a background thread, `depth` batches ahead of the
/// training loop, so that loading overlaps with the training step.
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 128, shuffle: true, seed: 0).prefetching(depth: 2)
/// for (x, y) in loader { ... }
/// ```
///
/// It yields exactly the batches of the wrapped loader, in the same order: each epoch's order is
/// drawn by the wrapped loader on the calling thread when the iteration starts (so the shuffling
/// sequence and `generatorState` are unchanged), and the batches are gathered in that order on one
/// background thread. Leaving the loop early stops that thread; the iterator's release waits for it.
/// Datasets with their own randomness (`AugmentedDataset`) draw it in batch order as before, but up
/// to `depth` batches before the loop asks for them.
public final class PrefetchingLoader<D: BatchedDataset & Sendable>: Sequence where D.Batch: Sendable {
    /// The loader whose batches are prefetched.
    public let loader: DataLoader<D>
    /// Batches prepared ahead of the consumer.
    public let depth: Int

    /// Prefetches `loader`'s batches `depth` ahead (at least 1).
    public init(_ loader: DataLoader<D>, depth: Int = 2) {
        require(depth >= 1, "PrefetchingLoader: depth must be at least 1, got \(depth)")
        self.loader = loader
        self.depth = depth
    }

    /// Number of batches per epoch.
    public var count: Int { loader.count }

    /// Number of batches per epoch (the exact count).
    public var underestimatedCount: Int { count }

    /// Starts a new epoch: draws its order and starts gathering batches in the background.
    public func makeIterator() -> Iterator {
        let epoch = loader.makeIterator()
        let order = epoch.order, dataset = loader.dataset, batchSize = loader.batchSize, batchCount = loader.count
        // The same slicing as DataLoader.Iterator.next(): batch i holds order[i*B ..< min((i+1)*B, n)].
        let prefetcher = BackgroundPrefetcher<D.Batch, Never>(depth: depth) { i in
            guard i < batchCount else { return nil }
            let start = i * batchSize
            return dataset.batch(Array(order[start..<Swift.min(start + batchSize, order.count)]))
        }
        return Iterator(order: order, prefetcher: prefetcher)
    }

    /// One epoch's pass; releasing it (for example by leaving the loop) stops the background thread.
    public struct Iterator: IteratorProtocol {
        /// The order in which this epoch visits the examples.
        public let order: [Int]
        private let prefetcher: BackgroundPrefetcher<D.Batch, Never>

        init(order: [Int], prefetcher: BackgroundPrefetcher<D.Batch, Never>) {
            self.order = order
            self.prefetcher = prefetcher
        }

        /// The next batch, or nil at the end of the epoch.
        public mutating func next() -> D.Batch? { prefetcher.next() }
    }
}

extension DataLoader where D: Sendable, D.Batch: Sendable {
    /// This loader with its batches gathered on a background thread `depth` batches ahead.
    public func prefetching(depth: Int = 2) -> PrefetchingLoader<D> { PrefetchingLoader(self, depth: depth) }
}

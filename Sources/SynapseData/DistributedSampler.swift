import SynapseCore

/// The share of a dataset that one process of a data-parallel job visits each epoch (PyTorch's
/// `DistributedSampler`): every process draws the same epoch order (the loader's seeded
/// permutation), which is evened out to a multiple of `worldSize` — padded by repeating its first
/// examples, or cut when `dropLast` — and process `rank` takes every `worldSize`-th example from
/// position `rank`.
///
/// So `worldSize` processes with batch B each visit, step by step, exactly the examples that one
/// process with batch `worldSize`·B visits: batch j of every rank together is the single
/// process's batch j. The epoch order does not depend on `worldSize`, so a run resumed from a
/// checkpoint with another number of processes continues the same sequence of orders.
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 64, shuffle: true, dropLast: true, seed: 0,
///                         sampler: DistributedSampler(rank: 1, worldSize: 2))
/// ```
public struct DistributedSampler: Sendable, Hashable, CustomStringConvertible {
    /// This process's index, in `0..<worldSize`.
    public let rank: Int
    /// The number of processes sharing the data.
    public let worldSize: Int
    /// Cut the epoch order to a multiple of `worldSize` instead of padding it.
    public let dropLast: Bool

    /// A sampler for process `rank` of `worldSize` (`rank` in `0..<worldSize`).
    public init(rank: Int, worldSize: Int, dropLast: Bool = false) {
        require(worldSize >= 1 && (0..<worldSize).contains(rank),
                "DistributedSampler: rank \(rank) is not in 0..<\(worldSize) processes")
        self.rank = rank
        self.worldSize = worldSize
        self.dropLast = dropLast
    }

    /// Examples each process visits per epoch out of `count`.
    public func examplesPerProcess(of count: Int) -> Int {
        dropLast ? count / worldSize : (count + worldSize - 1) / worldSize
    }

    /// This process's share of one epoch's `order`, in order.
    public func shard(_ order: [Int]) -> [Int] {
        let total = examplesPerProcess(of: order.count) * worldSize
        guard total > 0 else { return [] }
        return stride(from: rank, to: total, by: worldSize).map { order[$0 % order.count] }
    }

    /// "rank 1 of 2".
    public var description: String { "rank \(rank) of \(worldSize)" }
}

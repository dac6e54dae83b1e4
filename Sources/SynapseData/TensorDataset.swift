import SynapseCore

/// A labelled dataset held in memory: `features` of shape `[N, ...]` and integer `labels` of
/// shape `[N]` (PyTorch's `TensorDataset` for the classification case).
public struct TensorDataset: BatchedDataset, Sendable {
    /// One example: its features (shape `features.shape.dropFirst()`) and label.
    public typealias Element = (features: Tensor, label: Int)
    /// A batch: features of shape `[B, ...]` and labels of shape `[B]`.
    public typealias Batch = (features: Tensor, labels: IntTensor)

    /// All features, dense, shape `[N, ...]`.
    public let features: Tensor
    /// All labels, shape `[N]`.
    public let labels: IntTensor

    /// A dataset of `features` (shape `[N, ...]`) and `labels` (shape `[N]`).
    /// - Precondition: both have the same leading dimension.
    public init(features: Tensor, labels: IntTensor) {
        require(features.rank >= 1, "TensorDataset: features must have a leading example dimension, got shape \(features.shape)")
        require(labels.shape == [features.shape[0]],
                     "TensorDataset: labels of shape \(labels.shape) do not match \(features.shape[0]) examples of features \(features.shape)")
        self.features = features.contiguous()
        self.labels = labels
    }

    /// Number of examples.
    public var count: Int { labels.count }

    /// The shape of one example's features.
    public var exampleShape: [Int] { Array(features.shape.dropFirst()) }

    /// The example at `index`.
    public subscript(index: Int) -> Element {
        let b = batch([index])
        return (b.features.reshaped(exampleShape), b.labels.scalars[0])
    }

    /// The examples at `indices`, copied row by row into one new tensor of shape `[B, ...]`.
    public func batch(_ indices: [Int]) -> Batch {
        let n = count
        for i in indices { require(i >= 0 && i < n, "TensorDataset.batch: index \(i) out of range 0..<\(n)") }
        let shape = exampleShape
        let rowSize = shape.reduce(1, *)
        let gathered = features.withUnsafeBufferPointer { src in
            Tensor(shape: [indices.count] + shape, fill: { dst in
                guard rowSize > 0, let s = src.baseAddress, let d = dst.baseAddress else { return }
                for (row, index) in indices.enumerated() {
                    (d + row * rowSize).update(from: s + index * rowSize, count: rowSize)
                }
            })
        }
        let labelValues = labels.scalars
        return (gathered, IntTensor(indices.map { labelValues[$0] }))
    }

    /// A new dataset holding only the examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TensorDataset {
        let b = batch(indices)
        return TensorDataset(features: b.features, labels: b.labels)
    }

    /// The first `fraction` of each label's examples (at least one per label present), in the
    /// original order: a smaller training set with the same class balance, the same every run
    /// (e.g. "10 % of Fashion-MNIST" for transfer learning).
    public func stratifiedPrefix(fraction: Double) -> TensorDataset {
        subset(StratifiedPrefix.indices(labels: labels.scalars, fraction: fraction))
    }

    /// Splits the examples into two datasets after a seeded shuffle: the first holds `count - holdOut`
    /// examples, the second `holdOut` (for example a validation set).
    public func randomSplit(holdOut: Int, seed: UInt64) -> (TensorDataset, TensorDataset) {
        require(holdOut >= 0 && holdOut <= count, "TensorDataset.randomSplit: holdOut \(holdOut) not in 0...\(count)")
        let order = Permutation.shuffled(count, using: RandomGenerator(seed: seed))
        return (subset(Array(order[..<(count - holdOut)])), subset(Array(order[(count - holdOut)...])))
    }

    /// The number of examples of each label, indexed by label (`0...max label`).
    public func labelCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: (labels.scalars.max() ?? -1) + 1)
        for label in labels.scalars where label >= 0 { counts[label] += 1 }
        return counts
    }
}

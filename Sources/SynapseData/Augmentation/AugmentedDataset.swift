import SynapseCore

/// A labelled image (or feature) dataset whose examples are augmented every time they are fetched:
/// each batch's features go through `transform` example by example, labels pass unchanged.
///
/// ```swift
/// let train = try FashionMNIST(split: .train)
///     .augmented(Compose(RandomCrop(size: 28, padding: 2), RandomHorizontalFlip()), seed: 0)
/// let loader = DataLoader(train, batchSize: 128, shuffle: true, seed: 0)
/// ```
///
/// Randomness comes from one generator on the `.augmentation` stream of `seed`, drawn in the order
/// batches are fetched, so a loader with a fixed seed sees the same augmented epochs in every run
/// (also with `PrefetchingLoader`, which fetches batches in order on one background thread). Save
/// and restore `generatorState` with the loader's to resume exactly. Augment only the training set:
/// wrap the validation and test sets' loaders around the plain datasets.
public struct AugmentedDataset<Base: BatchedDataset>: BatchedDataset
where Base.Element == TensorDataset.Element, Base.Batch == TensorDataset.Batch {
    /// The dataset whose examples are augmented.
    public let base: Base
    /// The transform applied to each example's features.
    public let transform: any RandomTransform<Tensor>
    private let generator: RandomGenerator

    /// `base` with `transform` applied to every example's features, seeded by `seed`.
    public init(_ base: Base, transform: some RandomTransform<Tensor>, seed: UInt64) {
        self.base = base
        self.transform = transform
        self.generator = RandomGenerator(seed: seed, stream: .augmentation)
    }

    /// Number of examples.
    public var count: Int { base.count }

    /// The example at `index`, freshly augmented.
    public subscript(index: Int) -> TensorDataset.Element {
        let example = base[index]
        return (transform(example.features, using: generator), example.label)
    }

    /// The examples at `indices`, each augmented with its own random draws, in order.
    public func batch(_ indices: [Int]) -> TensorDataset.Batch {
        let plain = base.batch(indices)
        return (transform.applyPerExample(plain.features, using: generator), plain.labels)
    }

    /// The augmentation generator's state, to save in a checkpoint and restore on resume.
    public var generatorState: [UInt64] {
        get { generator.state }
        nonmutating set { generator.state = newValue }
    }
}

// The generator is a locked reference type; the rest is immutable.
extension AugmentedDataset: Sendable where Base: Sendable {}

extension BatchedDataset where Element == TensorDataset.Element, Batch == TensorDataset.Batch {
    /// This dataset with `transform` applied to every example's features (see `AugmentedDataset`).
    public func augmented(_ transform: some RandomTransform<Tensor>, seed: UInt64) -> AugmentedDataset<Self> {
        AugmentedDataset(self, transform: transform, seed: seed)
    }
}

import Synapse

extension DatasetName {
    /// The dataset's display name in messages ("Fashion-MNIST").
    var displayName: String {
        switch self {
        case .fashionMNIST: FashionMNIST.displayName
        case .mnist: MNIST.displayName
        default: rawValue
        }
    }

    /// Loads an image dataset's splits and checks them against the built-in image models before any
    /// training: both splits hold `[1, 28, 28]` images (a 30×30 test split is refused here, not
    /// trapped in a layer after an epoch), labels fit the 10 classes, and the training split makes at
    /// least one batch of `batchSize` (the last partial batch is dropped).
    /// - Throws: `DataError` naming the split (and file) at fault.
    func loadCheckedImages(batchSize: Int) throws -> (train: TensorDataset, test: TensorDataset) {
        let (train, test) = try load()
        let expected = FashionMNIST.expectedExampleShape
        for (data, split) in [(train, "training"), (test, "test")] {
            try data.validateExampleShape(expected, name: "\(displayName) \(split) split")
            try data.validateLabels(classCount: 10, name: "\(displayName) \(split) split")
        }
        try DataLoader(train, batchSize: batchSize, shuffle: false, dropLast: true)
            .validateNotEmpty(name: "\(displayName) training split")
        return (train, test)
    }
}

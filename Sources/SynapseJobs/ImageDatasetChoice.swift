import SynapseCore
import SynapseData

/// The image-classification datasets the jobs train on (IDX files, 28×28 grey images, 10 classes).
public enum ImageDatasetChoice: String, Sendable, CaseIterable {
    /// Zalando's Fashion-MNIST.
    case fashionMNIST = "fashion-mnist"
    /// The MNIST digits.
    case mnist

    /// The dataset's display name in messages ("Fashion-MNIST").
    public var displayName: String { self == .mnist ? MNIST.displayName : FashionMNIST.displayName }

    /// Class names indexed by label.
    public var classNames: [String] { self == .mnist ? MNIST.classNames : FashionMNIST.classNames }

    /// Loads the train and test splits (both splits' images must agree in shape).
    /// - Throws: `DataError` (not installed, unreadable or inconsistent files).
    public func load() throws -> (train: TensorDataset, test: TensorDataset) {
        self == .mnist ? try MNIST.loadSplits() : try FashionMNIST.loadSplits()
    }

    /// The weights-metadata key that records a held-out validation split, and its value.
    public static let validationSplitKey = "validation_split"
    /// The value of `validationSplitKey`: the last 10% of the training split.
    public static let validationSplitValue = "last-10%-of-train"

    /// The fixed validation split: the last 10% of `train` (6,000 of Fashion-MNIST's or MNIST's
    /// 60,000 images), for calibration and OOD thresholds, and for training with a held-out
    /// validation split (`trainingPart(of:)` is the rest).
    public func validationSplit(of train: TensorDataset) -> TensorDataset {
        train.subset(Array(Self.validationStart(train.count)..<train.count))
    }

    /// The training split without its validation split: the first 90%.
    public func trainingPart(of train: TensorDataset) -> TensorDataset {
        train.subset(Array(0..<Self.validationStart(train.count)))
    }

    private static func validationStart(_ count: Int) -> Int { count - count / 10 }

    /// Loads the splits and checks them against the built-in image models before any training:
    /// both splits hold `[1, 28, 28]` images (a 30×30 test split is refused here, not trapped in a
    /// layer after an epoch), labels fit the 10 classes, and the training split makes at least one
    /// batch of `batchSize` (the last partial batch is dropped).
    /// - Throws: `DataError` naming the split (and file) at fault.
    public func loadChecked(batchSize: Int) throws -> (train: TensorDataset, test: TensorDataset) {
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

/// The text corpora the language-model job trains on.
public enum TextCorpusChoice: String, Sendable, CaseIterable {
    /// The tiny-Shakespeare text.
    case shakespeare
    /// Vim's documentation (the benchmark corpus).
    case vimDocs = "vim-docs"

    /// Loads the whole corpus (the job splits it).
    /// - Throws: `DataError` when the corpus is not installed or unreadable.
    public func load() throws -> TextCorpus {
        self == .shakespeare ? try TextCorpus.shakespeare() : try TextCorpus.vimDocumentation()
    }
}

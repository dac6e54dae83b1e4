import Foundation
import SynapseCore

/// An image-classification dataset stored as the four standard IDX files
/// (`{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`), like MNIST and Fashion-MNIST.
///
/// A conforming type names the dataset, where it lives and how to install it; loading, the
/// installation check and the `BatchedDataset` conformance come from this protocol's extension.
public protocol IDXImageDataset: BatchedDataset, Sendable
where Element == TensorDataset.Element, Batch == TensorDataset.Batch {
    /// Human-readable name used in error messages.
    static var displayName: String { get }
    /// Sub-directory of `$SYNAPSE_DATA_DIR` that may hold the files.
    static var dataDirectoryName: String { get }
    /// The standard location searched after `$SYNAPSE_DATA_DIR`.
    static var standardDirectory: URL { get }
    /// The command that installs the dataset (quoted in the error when it is missing).
    static var installCommand: String { get }
    /// Class names, indexed by label.
    static var classNames: [String] { get }

    /// The split this value holds.
    var split: DatasetSplit { get }
    /// The examples.
    var data: TensorDataset { get }
    /// Wraps loaded examples.
    init(split: DatasetSplit, data: TensorDataset)
}

extension IDXImageDataset {
    /// The directories searched when no directory is given, in order:
    /// `$SYNAPSE_DATA_DIR/<dataDirectoryName>` (if set), then `standardDirectory`.
    public static var defaultDirectories: [URL] {
        [IDXImageClassification.environmentDirectory(dataDirectoryName), standardDirectory].compactMap { $0 }
    }

    /// Loads `split` as a `TensorDataset` (features `[N, 1, 28, 28]` in [0, 1], labels `[N]`).
    /// - Parameter directory: where the four IDX files are; nil searches `defaultDirectories`.
    /// - Throws: `DataError.datasetNotInstalled` (whose message gives `installCommand`) when the
    ///   files are missing, or the error of a damaged file.
    public static func load(split: DatasetSplit, directory: URL? = nil) throws(DataError) -> TensorDataset {
        try IDXImageClassification.load(name: displayName, split: split,
                                        directories: directory.map { [$0] } ?? defaultDirectories,
                                        install: installCommand, classCount: classNames.count)
    }

    /// Loads the training and the test split together and checks that their images have the same
    /// shape, so a test split of other sizes is refused before a whole epoch is trained.
    /// - Parameter directory: where the four IDX files are; nil searches `defaultDirectories`.
    /// - Throws: the errors of `load(split:directory:)`, or `DataError.imageShapeMismatch` naming the
    ///   test images file when its image shape differs from the training split's.
    public static func loadSplits(directory: URL? = nil) throws(DataError) -> (train: TensorDataset, test: TensorDataset) {
        let train = try load(split: .train, directory: directory)
        let test = try load(split: .test, directory: directory)
        if test.exampleShape != train.exampleShape {
            let directories = directory.map { [$0] } ?? defaultDirectories
            let path = IDXImageClassification.locate(.test, in: directories)?.images.path ?? "test split"
            throw .imageShapeMismatch(dataset: displayName, path: path, expected: train.exampleShape, found: test.exampleShape,
                                      reason: "the test images differ in shape from the training images")
        }
        return (train, test)
    }

    /// The example shape the built-in image models are made for: one channel of 28×28 pixels.
    public static var expectedExampleShape: [Int] { [1, 28, 28] }

    /// True when both splits' files are present in `directory` (or one of `defaultDirectories`).
    public static func isInstalled(directory: URL? = nil) -> Bool {
        let directories = directory.map { [$0] } ?? defaultDirectories
        return DatasetSplit.allCases.allSatisfy { IDXImageClassification.locate($0, in: directories) != nil }
    }

    /// Loads `split` (see `load(split:directory:)`).
    public init(split: DatasetSplit, directory: URL? = nil) throws(DataError) {
        self.init(split: split, data: try Self.load(split: split, directory: directory))
    }

    /// Number of examples.
    public var count: Int { data.count }
    /// The image (`[1, 28, 28]`) and label at `index`.
    public subscript(index: Int) -> TensorDataset.Element { data[index] }
    /// Images `[B, 1, 28, 28]` and labels `[B]` at `indices`.
    public func batch(_ indices: [Int]) -> TensorDataset.Batch { data.batch(indices) }
}

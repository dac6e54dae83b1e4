import Foundation
import SynapseCore
import SynapseData

/// A user's image folder (torchvision's `ImageFolder` layout: `DIR/<class>/<image>.png`) as the
/// data of an image-classifier run (`synapse train --images DIR`): how the images are read and how
/// the folder, which has no test split of its own, is split.
public struct ImageFolderSource: Sendable, Equatable {
    /// The folder.
    public var directory: URL
    /// Resizing, colour layout, strictness (see `ImageFolder.Options`).
    public var options: ImageFolder.Options
    /// Fraction of each class held out for the test accuracy (stratified, seeded).
    public var testFraction = 0.2
    /// Fraction of each class held out for the per-epoch validation logs; 0: the test split is
    /// also the validation set (as for the IDX datasets).
    public var validationFraction = 0.0

    /// The source reading `directory` with `options`.
    public init(directory: URL, options: ImageFolder.Options = ImageFolder.Options()) {
        self.directory = directory
        self.options = options
    }

    /// The dataset's name in messages, metadata and run directories: the folder's name.
    public var name: String {
        let last = directory.standardizedFileURL.lastPathComponent
        return last.isEmpty || last == "/" ? "images" : last
    }

    /// Reads the folder, splits it per class, and normalises every split with the per-channel mean
    /// and standard deviation of the training split.
    /// - Throws: `DataError` (the folder, a class or — with `strict` — an image at fault),
    ///   `SplitError` (fractions out of range, a class too small to split), `PipelineError` (the
    ///   fractions).
    public func load(seed: UInt64) throws -> ImageTrainingData {
        guard testFraction > 0, validationFraction >= 0, testFraction + validationFraction < 1 else {
            throw PipelineError.invalidOption(name: "test-fraction", reason: "the test fraction (\(testFraction)) must be above 0 and, with "
                                              + "the validation fraction (\(validationFraction)), below 1")
        }
        let folder = try ImageFolder(root: directory, options: options)
        let split = try Splitter.stratified(labels: folder.labels, validation: validationFraction, test: testFraction, seed: seed)
        let train = folder.subset(split.train).tensors
        let normalization = ImageNormalization.fitted(on: train.features)
        func normalized(_ rows: [Int]) -> TensorDataset {
            let part = folder.subset(rows).tensors
            return TensorDataset(features: normalization.apply(to: part.features), labels: part.labels)
        }
        let test = normalized(split.test)
        let validation = validationFraction > 0 ? normalized(split.validation) : nil
        func json(_ value: Any) -> String {
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let metadata = [
            "source": "image-folder", "image_folder": directory.standardizedFileURL.path, "class_names": json(folder.classNames),
            "image_size": "\(options.height)x\(options.width)", "channels": String(folder.color.channels),
            "mean": json(normalization.mean.map(Double.init)), "std": json(normalization.std.map(Double.init)),
            "test_fraction": String(testFraction), "validation_fraction": String(validationFraction), "skipped": String(folder.skipped.count),
        ]
        let parts = validationFraction > 0 ? "\(split.train.count) train / \(split.validation.count) validation / \(split.test.count) test"
            : "\(split.train.count) train / \(split.test.count) test"
        var summary = "\(folder.count) images in \(folder.classNames.count) classes, \(parts), \(options.height)x\(options.width) "
            + (folder.color == .gray ? "grey" : "RGB") + ", \(folder.skipped.count) skipped"
        if let first = folder.skipped.first { summary += " (first: \(first.reason))" }
        return ImageTrainingData(train: normalized(split.train), validation: validation, test: test, classNames: folder.classNames,
                                 metadata: metadata, summary: summary, skipped: folder.skipped.count)
    }
}

/// The splits an image run trains, validates (every epoch) and tests on, with what the weights'
/// metadata records about them.
public struct ImageTrainingData: Sendable {
    /// The training split.
    public var train: TensorDataset
    /// The split logged every epoch (`val_loss`, `val_accuracy`); nil: the test split is (as for
    /// the IDX datasets, which have no validation split).
    public var validation: TensorDataset?
    /// The split of the reported test accuracy.
    public var test: TensorDataset
    /// Class names by label.
    public var classNames: [String]
    /// Entries added to the weights' metadata (the preprocessing of an image folder).
    public var metadata: [String: String]
    /// A line describing the data (sizes of the splits, skipped files).
    public var summary: String
    /// Files that could not be decoded and were left out.
    public var skipped: Int

    /// Data from parts.
    public init(train: TensorDataset, validation: TensorDataset?, test: TensorDataset, classNames: [String],
                metadata: [String: String] = [:], summary: String, skipped: Int = 0) {
        self.train = train
        self.validation = validation
        self.test = test
        self.classNames = classNames
        self.metadata = metadata
        self.summary = summary
        self.skipped = skipped
    }
}

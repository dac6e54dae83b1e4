import Foundation
import SynapseCore

/// Loads an MNIST-style image classification split: a `[N, H, W]` unsigned-byte IDX image file and
/// a `[N]` unsigned-byte IDX label file, named as in the original MNIST distribution and optionally
/// gzip-compressed.
enum IDXImageClassification {
    /// The standard file names of `split` (without `.gz`).
    static func fileNames(_ split: DatasetSplit) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// `$SYNAPSE_DATA_DIR/<subdirectory>` when the variable is set.
    static func environmentDirectory(_ subdirectory: String) -> URL? {
        guard let root = ProcessInfo.processInfo.environment["SYNAPSE_DATA_DIR"], !root.isEmpty else { return nil }
        return URL(fileURLWithPath: root).appendingPathComponent(subdirectory)
    }

    /// The home directory (`$HOME`, falling back to Foundation's idea of it).
    static var homeDirectory: URL {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home)
        }
        return FileManager.default.homeDirectoryForCurrentUser
    }

    /// `directory/name.gz` or `directory/name`, whichever exists (the compressed one first).
    static func existingFile(_ name: String, in directory: URL) -> URL? {
        for candidate in [name + ".gz", name] {
            let url = directory.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// The image and label files of `split` in the first of `directories` that holds both.
    static func locate(_ split: DatasetSplit, in directories: [URL]) -> (images: URL, labels: URL)? {
        let names = fileNames(split)
        for directory in directories {
            if let images = existingFile(names.images, in: directory),
               let labels = existingFile(names.labels, in: directory) {
                return (images, labels)
            }
        }
        return nil
    }

    /// Loads `split` from the first of `directories` holding it.
    /// - Throws: `DataError.datasetNotInstalled` naming `install` when no directory holds the files,
    ///   or the reading error of a damaged file.
    static func load(name: String, split: DatasetSplit, directories: [URL], install: String,
                     classCount: Int) throws(DataError) -> TensorDataset {
        guard let files = locate(split, in: directories) else {
            let names = fileNames(split)
            throw .datasetNotInstalled(name: name, searched: directories.map(\.path),
                                       missing: "\(names.images)[.gz] and \(names.labels)[.gz]", install: install)
        }
        let images = try IDXFile(contentsOf: files.images)
        let labels = try IDXFile(contentsOf: files.labels)
        return try makeDataset(images: images, imagesPath: files.images.path,
                               labels: labels, labelsPath: files.labels.path, classCount: classCount)
    }

    /// Checks shapes, types and label range, and builds features `[N, 1, H, W]` in [0, 1].
    static func makeDataset(images: IDXFile, imagesPath: String, labels: IDXFile, labelsPath: String,
                            classCount: Int) throws(DataError) -> TensorDataset {
        guard let pixels = images.uint8Values, images.shape.count == 3 else {
            throw .invalidContents(path: imagesPath, reason: "expected unsigned-byte images of shape [N, height, width], "
                + "found \(images.elementType) of shape \(images.shape)")
        }
        guard let labelBytes = labels.uint8Values, labels.shape.count == 1 else {
            throw .invalidContents(path: labelsPath, reason: "expected unsigned-byte labels of shape [N], "
                + "found \(labels.elementType) of shape \(labels.shape)")
        }
        let n = images.shape[0]
        guard n > 0 else { throw .empty(name: imagesPath, reason: "the image file holds no images (shape \(images.shape))") }
        guard images.shape[1] > 0, images.shape[2] > 0 else {
            throw .invalidContents(path: imagesPath, reason: "images of shape \(images.shape) have no pixels")
        }
        guard labels.shape[0] == n else {
            throw .countMismatch(imagesPath: imagesPath, images: n, labelsPath: labelsPath, labels: labels.shape[0])
        }
        if let bad = labelBytes.firstIndex(where: { Int($0) >= classCount }) {
            throw .invalidContents(path: labelsPath, reason: "label \(labelBytes[bad]) at index \(bad) "
                + "is outside 0..<\(classCount)")
        }
        let features = pixels.withUnsafeBufferPointer { src in
            Tensor(shape: [n, 1, images.shape[1], images.shape[2]], fill: { dst in
                for i in 0..<dst.count { dst[i] = Float(src[i]) / 255 }
            })
        }
        return TensorDataset(features: features, labels: IntTensor(labelBytes.map { Int($0) }))
    }
}

extension TensorDataset {
    /// An image-classification dataset from an images IDX array (`[N, H, W]`, unsigned bytes) and a
    /// labels IDX array (`[N]`, unsigned bytes): features `[N, 1, H, W]` in [0, 1], labels `[N]`.
    /// This is what `IDXImageDataset.load` does after reading the two files.
    /// - Parameters:
    ///   - imagesPath: names the images file in errors.
    ///   - labelsPath: names the labels file in errors.
    /// - Throws: `DataError.invalidContents` for wrong types, ranks or labels outside
    ///   `0..<classCount` (naming the file, index and value), `.countMismatch`, or `.empty`.
    public static func imageClassification(images: IDXFile, imagesPath: String, labels: IDXFile, labelsPath: String,
                                           classCount: Int) throws(DataError) -> TensorDataset {
        try IDXImageClassification.makeDataset(images: images, imagesPath: imagesPath, labels: labels,
                                               labelsPath: labelsPath, classCount: classCount)
    }
}

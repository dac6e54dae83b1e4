import Foundation
import Synapse

/// IDX image and label files (MNIST, Fashion-MNIST), plain and gzip-compressed.
///
/// Seeds are the first 16 Fashion-MNIST test images and their labels, re-encoded in memory. A mutant
/// is read as `synapse train` reads a split: decoded, paired with the original partner file, turned
/// into a dataset and checked against the 28×28 input shape of the built-in models.
///
/// Accepted corruption: a mutant counts as accepted only if its header and payload sizes agree, the
/// decoded file re-encodes to exactly the decompressed bytes (nothing ignored at the end), every
/// pixel lies in [0, 1], every label in 0..<10 and the image shape is 28×28. Changed pixel or label
/// values inside those ranges are legitimate different data (IDX has no checksum of its own).
struct IDXTarget: FuzzTarget {
    let name = "idx"

    private static let exampleCount = 16

    /// The first images and labels of the installed Fashion-MNIST test split.
    private static func originals() throws -> (images: IDXFile, labels: IDXFile) {
        let directory = FashionMNIST.systemDirectory
        let images = try IDXFile(contentsOf: directory.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        let labels = try IDXFile(contentsOf: directory.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        let n = exampleCount
        guard let pixels = images.uint8Values, let classes = labels.uint8Values, images.shape.count == 3 else {
            throw FuzzError("Fashion-MNIST files are not unsigned-byte IDX arrays")
        }
        let imageSize = images.shape[1] * images.shape[2]
        return (IDXFile(shape: [n, images.shape[1], images.shape[2]], uint8: Array(pixels[..<(n * imageSize)])),
                IDXFile(shape: [n], uint8: Array(classes[..<n])))
    }

    /// Read once per worker process: the check pairs every mutant with the other, intact file.
    private static let cached = try? originals()

    func seeds() throws -> [[UInt8]] {
        let (images, labels) = try Self.originals()
        return [images.encoded(), Gzip.compress(images.encoded()), labels.encoded(), Gzip.compress(labels.encoded())]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let (images, labels) = Self.cached, let originalFile = try? IDXFile(decoding: original) else {
            return .corruptionAccepted("the seed itself no longer decodes")
        }
        let isImages = originalFile.shape.count == 3
        let file: IDXFile
        let dataset: TensorDataset
        do {
            file = try IDXFile(decoding: mutant, path: "mutant")
            dataset = try TensorDataset.imageClassification(
                images: isImages ? file : images, imagesPath: isImages ? "mutant" : "images",
                labels: isImages ? labels : file, labelsPath: isImages ? "labels" : "mutant", classCount: 10)
            try dataset.validateExampleShape(FashionMNIST.expectedExampleShape, name: "mutant")
        } catch {
            return .rejected
        }
        // Structure: sizes agree and every decompressed byte is part of the file.
        guard file.payload.count == file.count * file.elementType.byteWidth else {
            return .corruptionAccepted("payload of \(file.payload.count) bytes for shape \(file.shape)")
        }
        guard let plain = try? Gzip.decompress(mutant), plain == file.encoded() else {
            return .corruptionAccepted("decoded file does not account for every byte of the input")
        }
        // Values: what training would see.
        guard dataset.count == Self.exampleCount || file.shape[0] == dataset.count else {
            return .corruptionAccepted("dataset of \(dataset.count) examples from a file of shape \(file.shape)")
        }
        if let bad = dataset.features.scalars.first(where: { !($0 >= 0 && $0 <= 1) }) {
            return .corruptionAccepted("pixel value \(bad) outside [0, 1]")
        }
        if let bad = dataset.labels.scalars.first(where: { !(0..<10).contains($0) }) {
            return .corruptionAccepted("label \(bad) outside 0..<10")
        }
        return .accepted
    }
}

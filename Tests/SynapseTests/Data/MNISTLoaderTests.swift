import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

/// The MNIST-style loaders on small synthetic files.
@Suite struct MNISTLoaderTests {
    @Test(arguments: [true, false])
    func loadsImagesScaledToUnitRange(gzip: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.train, in: directory.url, n: 5, gzip: gzip)
        try writeImageSplit(.test, in: directory.url, n: 2, gzip: gzip)
        #expect(MNIST.isInstalled(directory: directory.url))

        let train = try MNIST.load(split: .train, directory: directory.url)
        #expect(train.features.shape == [5, 1, 4, 3])
        #expect(train.labels == IntTensor([0, 1, 2, 3, 4]))
        let expected = (0..<60).map { Float(UInt8(truncatingIfNeeded: $0 * 7)) / 255 }
        #expect(train.features.scalars == expected)

        let test = try FashionMNIST(split: .test, directory: directory.url)
        #expect(test.count == 2 && test.split == .test)
        #expect(test.batch([1, 0]).labels == IntTensor([1, 0]))
        #expect(test[1].features.shape == [1, 4, 3])
    }

    @Test func missingFashionMNISTSaysHowToInstall() {
        let directory = URL(fileURLWithPath: "/nonexistent/fashion")
        #expect(!FashionMNIST.isInstalled(directory: directory))
        let error = dataError { () throws(DataError) in try FashionMNIST.load(split: .train, directory: directory) }
        guard case .datasetNotInstalled(let name, let searched, _, _)? = error else {
            Issue.record("expected datasetNotInstalled, got \(String(describing: error))"); return
        }
        #expect(name == "Fashion-MNIST")
        #expect(searched == ["/nonexistent/fashion"])
        let message = error!.description
        #expect(message.contains("apt-get install dataset-fashion-mnist"))
        #expect(message.contains("/nonexistent/fashion"))
        #expect(message.contains("train-images-idx3-ubyte"))
    }

    @Test func missingMNISTSaysHowToPrepare() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.train, in: directory.url, n: 3)    // test split absent
        #expect(!MNIST.isInstalled(directory: directory.url))
        let error = dataError { () throws(DataError) in try MNIST.load(split: .test, directory: directory.url) }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("MNIST is not installed: t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] not found in \(directory.url.path)"))
        #expect(message.contains("scripts/prepare-mnist.sh"))
    }

    @Test func defaultDirectories() {
        #expect(FashionMNIST.defaultDirectories.last?.path == "/usr/share/datasets/fashion-mnist")
        #expect(MNIST.defaultDirectories.last?.path.hasSuffix(".cache/synapse/mnist") == true)
    }

    @Test func labelCountMismatchThrows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.train, in: directory.url, n: 5, labelCount: 4)
        let error = dataError { () throws(DataError) in try MNIST.load(split: .train, directory: directory.url) }
        guard case .countMismatch(let imagesPath, 5, let labelsPath, 4)? = error else {
            Issue.record("expected countMismatch, got \(String(describing: error))"); return
        }
        #expect(imagesPath.hasSuffix("train-images-idx3-ubyte.gz") && labelsPath.hasSuffix("train-labels-idx1-ubyte.gz"))
        #expect(error!.description.contains("holds 5 images but"))
    }

    @Test func labelOutOfRangeThrows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.train, in: directory.url, n: 3, labels: [1, 10, 2])
        let error = dataError { () throws(DataError) in try MNIST.load(split: .train, directory: directory.url) }
        #expect(error?.description.contains("label 10 at index 1 is outside 0..<10") == true)
    }

    @Test func wrongImageRankThrows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try IDXFile(shape: [2, 4], uint8: [UInt8](repeating: 0, count: 8))
            .write(to: directory.file("train-images-idx3-ubyte.gz"))
        try IDXFile(shape: [2], uint8: [0, 1]).write(to: directory.file("train-labels-idx1-ubyte.gz"))
        let error = dataError { () throws(DataError) in try MNIST.load(split: .train, directory: directory.url) }
        #expect(error?.description.contains("expected unsigned-byte images of shape [N, height, width]") == true)
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

/// Hostile IDX and gzip input: bombs, forged headers, truncation, trailing data, image shapes that
/// do not fit the model. Each must be a typed error naming the file, never a trap or a huge allocation.
@Suite struct IDXHardeningTests {
    @Test func gzipBombIsRefusedAtTheLimit() {
        // 4 MiB of zeros compress to a few kilobytes; a limit of 1 MiB must refuse them.
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 4 << 20), level: 9)
        #expect(bomb.count < 64 << 10)
        let error = dataError { () throws(DataError) in try Gzip.decompress(bomb, path: "bomb.gz", limit: 1 << 20) }
        guard case .tooLarge(let path, let limit, _)? = error else { Issue.record("expected tooLarge, got \(String(describing: error))"); return }
        #expect(path == "bomb.gz" && limit == 1 << 20)
        // At exactly the size it decompresses.
        #expect((try? Gzip.decompress(bomb, limit: 4 << 20))?.count == 4 << 20)
    }

    @Test func prefixInflatesOnlyWhatIsAsked() throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        let prefix = try Gzip.decompressedPrefix(Gzip.compress(data), count: 10)
        #expect(prefix == Array(data[..<10]))
        #expect(try Gzip.decompressedPrefix(data, count: 3) == [0, 1, 2])
    }

    @Test func compressedHeaderAnnouncingGigabytesIsRefusedBeforeInflating() {
        // [60000, 60000, 60000] bytes = 2e14: the header alone decides, the payload is never inflated.
        var bytes: [UInt8] = [0, 0, 0x08, 3]
        for _ in 0..<3 { bytes += [0, 0, 0xEA, 0x60] }
        let error = dataError { () throws(DataError) in try IDXFile(decoding: Gzip.compress(bytes), path: "forged.gz") }
        guard case .tooLarge(let path, _, let reason)? = error else { Issue.record("expected tooLarge, got \(String(describing: error))"); return }
        #expect(path == "forged.gz")
        #expect(reason.contains("[60000, 60000, 60000]"))
    }

    @Test func compressedTrailingDataAndTruncationThrow() {
        let file = IDXFile(shape: [4, 2], uint8: Array(0..<8))
        let trailing = Gzip.compress(file.encoded() + [1, 2, 3])
        guard case .invalidContents(let path, let reason)? = dataError({ () throws(DataError) in try IDXFile(decoding: trailing, path: "t.gz") }) else {
            Issue.record("expected invalidContents"); return
        }
        #expect(path == "t.gz" && reason.contains("unexpected bytes after the data"))
        let short = Gzip.compress(Array(file.encoded().dropLast(3)))
        #expect(dataError { () throws(DataError) in try IDXFile(decoding: short) }
                == .truncated(path: "<memory>", expectedBytes: 20, foundBytes: 17))
    }

    @Test func splitsWithDifferentImageShapesAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.train, in: directory.url, n: 3, height: 28, width: 28)
        try writeImageSplit(.test, in: directory.url, n: 2, height: 30, width: 30)
        let error = dataError { () throws(DataError) in try FashionMNIST.loadSplits(directory: directory.url) }
        guard case .imageShapeMismatch(let dataset, let path, let expected, let found, _)? = error else {
            Issue.record("expected imageShapeMismatch, got \(String(describing: error))"); return
        }
        #expect(dataset == "Fashion-MNIST")
        #expect(path.hasSuffix("t10k-images-idx3-ubyte.gz"))
        #expect(expected == [1, 28, 28] && found == [1, 30, 30])
        #expect(error?.description.contains("[1, 30, 30]") == true)
    }

    @Test func matchingSplitsLoadAndModelShapeIsChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.train, in: directory.url, n: 3, height: 5, width: 5)
        try writeImageSplit(.test, in: directory.url, n: 2, height: 5, width: 5)
        let (train, test) = try MNIST.loadSplits(directory: directory.url)
        #expect(train.count == 3 && test.count == 2)
        // 5×5 images do not fit the built-in 28×28 models.
        let error = dataError { () throws(DataError) in try train.validateExampleShape(MNIST.expectedExampleShape, name: "MNIST train") }
        guard case .imageShapeMismatch(_, _, let expected, let found, _)? = error else { Issue.record("expected imageShapeMismatch"); return }
        #expect(expected == [1, 28, 28] && found == [1, 5, 5])
        #expect(dataError { () throws(DataError) in try train.validateExampleShape([1, 5, 5], name: "MNIST train") } == nil)
    }

    @Test func emptyImageFileAndLabelRangeAreTyped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeImageSplit(.test, in: directory.url, n: 0)
        guard case .empty(let name, _)? = dataError({ () throws(DataError) in try FashionMNIST.load(split: .test, directory: directory.url) }) else {
            Issue.record("expected empty"); return
        }
        #expect(name.hasSuffix("t10k-images-idx3-ubyte.gz"))
        try writeImageSplit(.train, in: directory.url, n: 3, labels: [1, 12, 2])
        guard case .invalidContents(let path, let reason)? = dataError({ () throws(DataError) in
            try FashionMNIST.load(split: .train, directory: directory.url)
        }) else { Issue.record("expected invalidContents"); return }
        #expect(path.hasSuffix("train-labels-idx1-ubyte.gz"))
        #expect(reason.contains("label 12 at index 1"))
        let data = TensorDataset(features: Tensor(shape: [2, 1], scalars: [0, 1]), labels: IntTensor([0, 4]))
        guard case .invalidContents(_, let labelReason)? = dataError({ () throws(DataError) in try data.validateLabels(classCount: 3, name: "d") }) else {
            Issue.record("expected invalidContents"); return
        }
        #expect(labelReason.contains("label 4 at index 1"))
    }
}

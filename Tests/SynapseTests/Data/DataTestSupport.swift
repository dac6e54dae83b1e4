import Foundation
@testable import Synapse
@testable import SynapseData

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("synapse-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` and returns the `DataError` it throws, or nil when it does not throw.
func dataError<T>(_ body: () throws(DataError) -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// A dataset whose batches are just the requested indices (for loader tests without tensors).
struct IndexDataset: BatchedDataset {
    let count: Int
    subscript(index: Int) -> Int { index }
    func batch(_ indices: [Int]) -> [Int] { indices }
}

/// Writes a small MNIST-style split (`n` images of `height`×`width`) into `directory`.
func writeImageSplit(_ split: DatasetSplit, in directory: URL, n: Int, height: Int = 4, width: Int = 3,
                     labels: [UInt8]? = nil, labelCount: Int? = nil, gzip: Bool = true) throws {
    let names = IDXImageClassification.fileNames(split)
    let suffix = gzip ? ".gz" : ""
    let pixels = (0..<(n * height * width)).map { UInt8(truncatingIfNeeded: $0 * 7) }
    try IDXFile(shape: [n, height, width], uint8: pixels)
        .write(to: directory.appendingPathComponent(names.images + suffix))
    let m = labelCount ?? n
    let values = labels ?? (0..<m).map { UInt8($0 % 10) }
    try IDXFile(shape: [values.count], uint8: values).write(to: directory.appendingPathComponent(names.labels + suffix))
}

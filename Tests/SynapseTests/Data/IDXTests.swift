import Foundation
import Testing
@testable import Synapse
@testable import SynapseData

@Suite struct IDXTests {
    @Test func roundTripsEveryElementType() throws {
        let shape = [2, 3]
        let files: [IDXFile] = [
            IDXFile(shape: shape, uint8: [0, 1, 2, 127, 128, 255]),
            IDXFile(shape: shape, int8: [-128, -1, 0, 1, 2, 127]),
            IDXFile(shape: shape, int16: [-32768, -300, 0, 1, 300, 32767]),
            IDXFile(shape: shape, int32: [Int32.min, -70000, 0, 1, 70000, Int32.max]),
            IDXFile(shape: shape, float32: [-1.5, 0, 0.25, 3.0e38, -Float.leastNormalMagnitude, 1]),
            IDXFile(shape: shape, float64: [-1.5, 0, 0.1, 1e300, -2, 7]),
        ]
        for file in files {
            let decoded = try IDXFile(decoding: file.encoded())
            #expect(decoded == file)
            #expect(decoded.shape == shape)
            #expect(decoded.count == 6)
            #expect(decoded.payload.count == 6 * file.elementType.byteWidth)
        }
        #expect(files[0].uint8Values == [0, 1, 2, 127, 128, 255])
        #expect(files[1].uint8Values == nil)
        #expect(files[1].intValues() == [-128, -1, 0, 1, 2, 127])
        #expect(files[2].intValues() == [-32768, -300, 0, 1, 300, 32767])
        #expect(files[3].intValues() == [Int(Int32.min), -70000, 0, 1, 70000, Int(Int32.max)])
        #expect(files[4].floatValues() == [-1.5, 0, 0.25, 3.0e38, -Float.leastNormalMagnitude, 1])
        #expect(files[4].intValues() == nil)
        #expect(files[5].doubleValues() == [-1.5, 0, 0.1, 1e300, -2, 7])
        #expect(files[2].floatValues() == [-32768, -300, 0, 1, 300, 32767])
    }

    @Test func headerIsBigEndian() {
        let bytes = IDXFile(shape: [258, 1], uint8: [UInt8](repeating: 9, count: 258)).encoded()
        #expect(Array(bytes[0..<12]) == [0, 0, 0x08, 2, 0, 0, 1, 2, 0, 0, 0, 1])
        let floats = IDXFile(shape: [1], float32: [1]).encoded()
        #expect(Array(floats[8...]) == [0x3F, 0x80, 0, 0])
    }

    @Test(arguments: [false, true])
    func roundTripsThroughFiles(gzip: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = IDXFile(shape: [3, 28, 28], uint8: (0..<(3 * 784)).map { UInt8($0 % 251) })
        let url = directory.file(gzip ? "images-idx3-ubyte.gz" : "images-idx3-ubyte")
        try file.write(to: url)
        let written = [UInt8](try Data(contentsOf: url))
        #expect(Gzip.isCompressed(written) == gzip)
        #expect(try IDXFile(contentsOf: url) == file)
    }

    @Test func rankZeroHoldsOneElement() throws {
        let file = try IDXFile(decoding: [0, 0, 0x08, 0, 42])
        #expect(file.shape == [])
        #expect(file.uint8Values == [42])
    }

    @Test func truncatedDataSaysExpectedAndFound() {
        let bytes = IDXFile(shape: [10, 28, 28], uint8: [UInt8](repeating: 1, count: 7840)).encoded()
        let error = dataError { () throws(DataError) in try IDXFile(decoding: Array(bytes.dropLast(100)), path: "cut.idx") }
        #expect(error == .truncated(path: "cut.idx", expectedBytes: 7856, foundBytes: 7756))
        #expect(error?.description == "cut.idx: file is truncated: expected 7856 bytes, found 7756")
    }

    @Test func truncatedHeaderThrows() {
        #expect(dataError { () throws(DataError) in try IDXFile(decoding: [0, 0, 8, 3, 0, 0]) }
                == .truncated(path: "<memory>", expectedBytes: 16, foundBytes: 6))
        #expect(dataError { () throws(DataError) in try IDXFile(decoding: []) }
                == .truncated(path: "<memory>", expectedBytes: 4, foundBytes: 0))
    }

    @Test func badMagicThrows() {
        let error = dataError { () throws(DataError) in try IDXFile(decoding: Array("PK\u{3}\u{4}hello".utf8), path: "a.zip") }
        #expect(error == .badMagic(path: "a.zip", found: [0x50, 0x4B, 3, 4]))
        #expect(error?.description.contains("a.zip: not an IDX file: bad magic number [0x50 0x4B 0x03 0x04]") == true)
    }

    @Test func unsupportedTypeThrows() {
        let error = dataError { () throws(DataError) in try IDXFile(decoding: [0, 0, 0x0A, 1, 0, 0, 0, 1, 5]) }
        #expect(error == .unsupportedType(path: "<memory>", code: 0x0A))
        #expect(error?.description.contains("unsupported IDX element type code 0x0A") == true)
    }

    @Test func absurdDimensionsThrow() {
        // A dimension that is negative as int32.
        let negative: [UInt8] = [0, 0, 0x08, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1]
        guard case .absurdDimensions(_, let shape, let reason)? = dataError({ () throws(DataError) in
            try IDXFile(decoding: negative)
        }) else { Issue.record("expected absurdDimensions"); return }
        #expect(shape == [0xFFFF_FFFF, 1])
        #expect(reason.contains("negative"))

        // Dimensions whose product overflows Int.
        var overflow: [UInt8] = [0, 0, 0x0E, 3]
        for _ in 0..<3 { overflow += [0x7F, 0xFF, 0xFF, 0xFF] }
        let overflowError = dataError { () throws(DataError) in try IDXFile(decoding: overflow, path: "big.idx") }
        #expect(overflowError?.description.contains("big.idx: absurd IDX dimensions") == true)
        #expect(overflowError?.description.contains("overflows") == true)

        // A dimension larger than the whole file.
        let huge: [UInt8] = [0, 0, 0x08, 1, 0x10, 0, 0, 0] + [UInt8](repeating: 0, count: 10)
        guard case .absurdDimensions(_, _, let hugeReason)? = dataError({ () throws(DataError) in
            try IDXFile(decoding: huge)
        }) else { Issue.record("expected absurdDimensions"); return }
        #expect(hugeReason.contains("exceeds the file size"))
    }

    @Test func trailingBytesThrow() {
        let bytes = IDXFile(shape: [2], uint8: [1, 2]).encoded() + [9]
        guard case .invalidContents(_, let reason)? = dataError({ () throws(DataError) in
            try IDXFile(decoding: bytes)
        }) else { Issue.record("expected invalidContents"); return }
        #expect(reason.contains("1 unexpected bytes"))
    }

    @Test func missingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/synapse/train-images-idx3-ubyte.gz")
        let error = dataError { () throws(DataError) in try IDXFile(contentsOf: url) }
        #expect(error == .fileNotFound(path: url.path))
        #expect(error?.description == "/nonexistent/synapse/train-images-idx3-ubyte.gz: file not found")
    }

    @Test func directoryIsUnreadable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        guard case .unreadable? = dataError({ () throws(DataError) in try IDXFile(contentsOf: directory.url) }) else {
            Issue.record("expected unreadable"); return
        }
    }

    @Test func truncatedGzipFileNamesThePath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("labels-idx1-ubyte.gz")
        try IDXFile(shape: [5000], uint8: (0..<5000).map { UInt8($0 % 10) }).write(to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        let error = dataError { () throws(DataError) in try IDXFile(contentsOf: url) }
        guard case .corruptGzip(let path, _)? = error else { Issue.record("expected corruptGzip, got \(String(describing: error))"); return }
        #expect(path == url.path)
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct GzipDataTests {
    private func sample(_ n: Int) -> [UInt8] {
        let generator = RandomGenerator(seed: 7)
        // Compressible but not trivial: small random values.
        return (0..<n).map { _ in UInt8(generator.nextInt(below: 16)) }
    }

    @Test func roundTripsThroughZlib() throws {
        for n in [0, 1, 1000, 300_000] {
            let bytes = sample(n)
            let compressed = Gzip.compress(bytes)
            #expect(Gzip.isCompressed(compressed))
            #expect(try Gzip.decompress(compressed) == bytes)
        }
    }

    @Test func plainBytesPassThrough() throws {
        let bytes: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 5, 6]
        #expect(!Gzip.isCompressed(bytes))
        #expect(try Gzip.decompress(bytes) == bytes)
        #expect(try Gzip.decompress([]) == [])
    }

    @Test func concatenatedMembersAreJoined() throws {
        let a = sample(5000), b: [UInt8] = Array("second member".utf8)
        #expect(try Gzip.decompress(Gzip.compress(a) + Gzip.compress(b)) == a + b)
    }

    @Test func truncatedStreamThrows() {
        let compressed = Gzip.compress(sample(100_000))
        for keep in [compressed.count - 4, compressed.count / 2, 12] {
            let error = dataError { () throws(DataError) in try Gzip.decompress(Array(compressed[..<keep]), path: "x.gz") }
            guard case .corruptGzip(let path, let reason)? = error else {
                Issue.record("expected corruptGzip for \(keep) of \(compressed.count) bytes, got \(String(describing: error))")
                continue
            }
            #expect(path == "x.gz")
            #expect(reason.contains("truncated"))
        }
    }

    @Test func corruptStreamThrows() {
        var compressed = Gzip.compress(sample(100_000))
        for i in stride(from: 20, to: 60, by: 1) { compressed[i] ^= 0xA5 }
        let error = dataError { () throws(DataError) in try Gzip.decompress(compressed, path: "bad.gz") }
        guard case .corruptGzip? = error else {
            Issue.record("expected corruptGzip, got \(String(describing: error))")
            return
        }
        #expect(error!.description.hasPrefix("bad.gz: corrupt gzip data"))
    }

    @Test func wrongChecksumThrows() {
        var compressed = Gzip.compress(sample(1000))
        compressed[compressed.count - 6] ^= 0xFF    // CRC32 in the trailer
        #expect(dataError { () throws(DataError) in try Gzip.decompress(compressed) } != nil)
    }

    @Test func trailingGarbageThrows() {
        let compressed = Gzip.compress(sample(1000)) + [1, 2, 3]
        let error = dataError { () throws(DataError) in try Gzip.decompress(compressed) }
        #expect(error?.description.contains("trailing garbage") == true)
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

@Suite("IO: atomic file writes")
struct IOAtomicFileTests {
    private func contents(_ dir: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
    }

    @Test func writesANewFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("out.bin")
        try AtomicFile.write(Data("hello".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("hello".utf8))
        #expect(try contents(dir) == ["out.bin"])
    }

    @Test func replacesAnExistingFileAndLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("model.safetensors")
        try Data(repeating: 0xAB, count: 4096).write(to: url)
        try AtomicFile.write(Data("short".utf8), to: url)
        // Fully replaced (not overwritten in place: no stale tail of the longer old file).
        #expect(try Data(contentsOf: url) == Data("short".utf8))
        try AtomicFile.write(Data("third".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("third".utf8))
        let left = try contents(dir)
        #expect(left == ["model.safetensors"], "leftover files: \(left)")
    }

    @Test func aReaderOfTheOldFileKeepsItsContents() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("data.bin")
        try AtomicFile.write(Data("old contents".utf8), to: url)
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        try AtomicFile.write(Data("new".utf8), to: url)
        // The rename swaps in a new inode: the open handle still reads the complete old file.
        #expect(try handle.readToEnd() == Data("old contents".utf8))
        #expect(try Data(contentsOf: url) == Data("new".utf8))
    }

    @Test func createsMissingDirectories() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("a/b/c.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
    }

    @Test func failedWriteLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The target is a non-empty directory: the final rename fails.
        let target = dir.file("taken")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data().write(to: target.appendingPathComponent("inside"))
        #expect(throws: (any Error).self) { try AtomicFile.write(Data("x".utf8), to: target) }
        let left = try contents(dir)
        #expect(left == ["taken"], "leftover files: \(left)")
    }

    @Test func safeTensorsSaveIsAtomic() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("w.safetensors")
        try SafeTensors.save(["a": Tensor([1, 2, 3])], to: url)
        try SafeTensors.save(["b": Tensor([4])], to: url)
        let archive = try SafeTensors.load(from: url)
        #expect(archive.names == ["b"])
        #expect(try contents(dir) == ["w.safetensors"])
    }
}

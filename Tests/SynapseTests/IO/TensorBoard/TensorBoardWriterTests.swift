import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

@Suite struct TensorBoardWriterTests {
    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("synapse-tb-\(UUID().uuidString)")
    }

    /// The records of an event file, checking each frame's CRCs.
    private func records(_ url: URL) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var out: [[UInt8]] = [], i = 0
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        while i < bytes.count {
            let n = u64(i)
            #expect(u32(i + 8) == CRC32C.maskedChecksum(bytes[i..<(i + 8)]))
            let data = Array(bytes[(i + 12)..<(i + 12 + n)])
            #expect(u32(i + 12 + n) == CRC32C.maskedChecksum(data))
            out.append(data)
            i += 16 + n
        }
        return out
    }

    @Test func createsNestedDirectoryAndNamesTheFile() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("runs/mlp")
        let writer = try TensorBoardWriter(logDirectory: dir)
        try writer.addScalar("loss", 1.5, step: 1)
        try writer.close()
        let name = writer.fileURL.lastPathComponent
        #expect(name.hasPrefix("events.out.tfevents."))
        let parts = name.split(separator: ".")
        #expect(parts.count >= 5 && parts[3].count == 10 && Int(parts[3]) != nil)
        #expect(writer.fileURL.deletingLastPathComponent().standardizedFileURL.path == dir.standardizedFileURL.path)
        let recs = try records(writer.fileURL)
        #expect(recs.count == 2)
        #expect(recs.first.map { String(decoding: $0.suffix(13), as: UTF8.self) } == "brain.Event:2")
    }

    @Test func twoWritersInOneDirectoryNeverShareAFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try TensorBoardWriter(logDirectory: dir)
        let b = try TensorBoardWriter(logDirectory: dir)
        #expect(a.fileURL != b.fileURL)
        try a.close()
        try b.close()
    }

    @Test func flushMakesEventsVisibleAndCloseIsFinal() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try TensorBoardWriter(logDirectory: dir, flushInterval: .infinity)
        try writer.addScalar("a", 1, step: 0)
        #expect(try records(writer.fileURL).count == 1)      // buffered: only the version record
        try writer.flush()
        #expect(try records(writer.fileURL).count == 2)
        try writer.close()
        try writer.close()                                    // idempotent
        #expect(throws: TensorBoardError.closed(path: writer.fileURL.path)) { try writer.addScalar("a", 2, step: 1) }
        #expect(throws: TensorBoardError.closed(path: writer.fileURL.path)) { try writer.flush() }
    }

    @Test func eventsAfterTheFlushIntervalAreWrittenAtOnce() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try TensorBoardWriter(logDirectory: dir, flushInterval: 0)
        try writer.addScalar("a", 1, step: 0)
        #expect(try records(writer.fileURL).count == 2)
        try writer.close()
    }

    @Test func droppedWriterStillWritesItsEvents() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var url: URL?
        do {
            let writer = try TensorBoardWriter(logDirectory: dir)
            try writer.addText("note", "hello", step: 0)
            url = writer.fileURL
        }
        let written = try #require(url)
        #expect(try records(written).count == 2)
    }

    @Test func fileInPlaceOfTheDirectoryIsATypedError() throws {
        let root = temporaryDirectory()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let blocker = root.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        do {
            _ = try TensorBoardWriter(logDirectory: blocker)
            Issue.record("expected an error")
        } catch {
            guard case .cannotCreateDirectory(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == blocker.path)
            #expect(error.description.contains(blocker.path))
        }
        do {
            _ = try TensorBoardWriter(logDirectory: blocker.appendingPathComponent("sub"))
            Issue.record("expected an error")
        } catch {
            guard case .cannotCreateDirectory = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test func writerIsSafeToShareBetweenThreads() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try TensorBoardWriter(logDirectory: dir, flushThreshold: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for s in 0..<50 { try writer.addScalar("t\(t)", Float(s), step: s) } }
            }
            try await group.waitForAll()
        }
        try writer.close()
        #expect(try records(writer.fileURL).count == 1 + 200)
    }
}

import Foundation
import Testing
@testable import Synapse
@testable import SynapseIO

/// The error `body` throws, or nil.
private func atomicError(_ body: () throws -> Void) -> AtomicFileError? {
    do { try body(); return nil } catch let error as AtomicFileError { return error } catch {
        Issue.record("expected an AtomicFileError, got \(error)")
        return nil
    }
}

/// The file type bits of `path` (without following a link).
private func fileType(_ path: String) -> mode_t {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & 0o170000 : 0
}

@Suite("IO: atomic writes replace only regular files")
struct AtomicFileSafetyTests {
    @Test("devices, directories and FIFOs are refused, and stay what they were")
    func nonRegularTargetsAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // /dev/null only through the check: a regression of `write` must not replace the device.
        guard case .refused(let path, let reason)? = atomicError({ try AtomicFile.checkWritable(URL(fileURLWithPath: "/dev/null")) }) else {
            Issue.record("/dev/null passed the check")
            return
        }
        #expect(path == "/dev/null" && reason.contains("character device"), "\(reason)")
        #expect(fileType("/dev/null") == 0o020000)

        let fifo = dir.file("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        guard case .refused(_, let r1)? = atomicError({ try AtomicFile.write(Data("x".utf8), to: fifo) }) else {
            Issue.record("a FIFO was replaced")
            return
        }
        #expect(r1.contains("FIFO"))
        #expect(fileType(fifo.path) == 0o010000)

        let sub = dir.file("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        guard case .refused(_, let r2)? = atomicError({ try AtomicFile.write(Data("x".utf8), to: sub) }) else {
            Issue.record("a directory was replaced")
            return
        }
        #expect(r2.contains("directory"))
        #expect(atomicError { try AtomicFile.checkWritable(sub) } != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["pipe", "sub"])
    }

    @Test("a symbolic link is refused unless followSymlinks, which writes the file it points to")
    func symlinks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let real = dir.file("real.bin"), link = dir.file("link.bin")
        try Data("old".utf8).write(to: real)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        guard case .refused(_, let reason)? = atomicError({ try AtomicFile.write(Data("new".utf8), to: link) }) else {
            Issue.record("a symbolic link was replaced")
            return
        }
        #expect(reason.contains("symbolic link"))
        #expect(atomicError { try AtomicFile.checkWritable(link) } != nil)
        try AtomicFile.write(Data("new".utf8), to: link, followSymlinks: true)
        #expect(fileType(link.path) == 0o120000, "the link itself was replaced")
        #expect(try Data(contentsOf: real) == Data("new".utf8))
        try AtomicFile.checkWritable(link, followSymlinks: true)
    }

    @Test("temporary files are recognisable, and stale ones of dead processes are removed on the next write")
    func staleTemporaries() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("out.bin")
        let tmp = AtomicFile.temporaryURL(for: url).lastPathComponent
        #expect(tmp.hasPrefix(".out.bin.synapse-tmp-\(getpid())-"), "\(tmp)")
        // pid 999999999 cannot exist (pid_max is at most 2^22); pid 1 always does.
        let dead = dir.file(".out.bin.synapse-tmp-999999999-ab12")
        let alive = dir.file(".out.bin.synapse-tmp-1-cd34")
        let other = dir.file(".other.bin.synapse-tmp-999999999-ef56")
        let legacy = dir.file(".out.bin.999999999.tmp")   // the name earlier versions used
        for f in [dead, alive, other, legacy] { try Data("partial".utf8).write(to: f) }
        try AtomicFile.write(Data("done".utf8), to: url)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        #expect(left == [alive.lastPathComponent, other.lastPathComponent, "out.bin"].sorted(), "\(left)")
    }

    @Test("checkWritable accepts new and regular files without leaving anything, and names plain reasons")
    func checkWritable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try AtomicFile.checkWritable(dir.file("new.bin"))
        try AtomicFile.checkWritable(dir.url.appendingPathComponent("a/b/new.bin"))
        try Data("x".utf8).write(to: dir.file("existing.bin"))
        try AtomicFile.checkWritable(dir.file("existing.bin"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["existing.bin"])

        let long = dir.file(String(repeating: "n", count: 300))
        guard case .failed(_, let r1)? = atomicError({ try AtomicFile.checkWritable(long) }) else { Issue.record("300-byte name passed"); return }
        #expect(r1 == "file name too long")
        #expect(atomicError { try AtomicFile.write(Data(), to: long) } == .failed(path: long.path, reason: "file name too long"))

        // Under a regular file used as a directory.
        let under = dir.file("existing.bin").appendingPathComponent("x.bin")
        guard let e = atomicError({ try AtomicFile.write(Data(), to: under) }) else { Issue.record("wrote below a file"); return }
        #expect(!e.description.contains("NSCocoaErrorDomain") && e.description.contains(under.path), "\(e)")

        if geteuid() != 0 {   // root ignores permissions
            let locked = dir.file("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            #expect(chmod(locked.path, 0o500) == 0)
            defer { _ = chmod(locked.path, 0o700) }
            #expect(atomicError { try AtomicFile.checkWritable(locked.appendingPathComponent("f")) }
                    == .failed(path: locked.appendingPathComponent("f").path, reason: "permission denied"))
        }
    }

    @Test("file-system reasons are plain language")
    func reasons() {
        #expect(FileSystemReason.describe(errno: ENOSPC) == "no space left on the device")
        #expect(FileSystemReason.describe(errno: EACCES) == "permission denied")
        #expect(FileSystemReason.describe(errno: ENAMETOOLONG) == "file name too long")
        #expect(FileSystemReason.describe(CocoaError(.fileWriteOutOfSpace)) == "no space left on the device")
        #expect(FileSystemReason.describe(POSIXError(.EROFS)) == "read-only file system")
        #expect(FileSystemReason.describe(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
                                                  userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))]))
                == "permission denied")
    }
}

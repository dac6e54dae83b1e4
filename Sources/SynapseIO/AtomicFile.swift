import Foundation
import SynapseCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a crash never leaves a half-written file behind: the bytes go to a
/// temporary file in the same directory, are flushed to disk, and the file is renamed over the target.
///
/// Only regular files are ever replaced: a rename over `/dev/null` would swap the device for a
/// regular file (as root), over a FIFO or socket it would break whoever uses it, and over a symbolic
/// link it would replace the link rather than the file it points to. Those targets are refused with
/// `AtomicFileError.refused` unless `followSymlinks` asks for the link's destination to be written.
///
/// Temporary files are named `.<name>.synapse-tmp-<pid>-<random>` so a left-over one (the process was
/// killed mid-write) is recognisable; the next write to the same path removes those of dead processes.
public enum AtomicFile {
    /// What every temporary name contains after the target's name.
    static let temporaryMarker = ".synapse-tmp-"

    /// Atomically replaces the file at `url` with `data`, creating missing directories.
    ///
    /// - Parameter followSymlinks: when `url` is a symbolic link, write the file it points to
    ///   (atomically) instead of refusing.
    public static func write(_ data: Data, to url: URL, followSymlinks: Bool = false) throws(AtomicFileError) {
        let target = try inspectTarget(url, followSymlinks: followSymlinks)
        let path = target.url.path
        let dir = target.url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.path) {
            do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw .failed(path: path, reason: "cannot create directory \(dir.path): \(FileSystemReason.describe(error))")
            }
        }
        removeStaleTemporaries(for: target.url)
        let tmp = temporaryURL(for: target.url)
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw .failed(path: path, reason: FileSystemReason.describe(errno: errno)) }
        var renamed = false
        defer { if !renamed { unlink(tmp.path) } }
        // Keep the permissions of the file being replaced.
        if let mode = target.existingMode { _ = fchmod(fd, mode & 0o7777) }
        let writeError: Int32 = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return fsync(fd) == 0 ? 0 : errno
        }
        let closeError: Int32 = close(fd) == 0 ? 0 : errno
        guard writeError == 0, closeError == 0 else {
            throw .failed(path: path, reason: FileSystemReason.describe(errno: writeError != 0 ? writeError : closeError))
        }
        // The target may have changed since the first look (another process made it a directory or a link).
        _ = try inspectTarget(target.url, followSymlinks: false)
        guard rename(tmp.path, path) == 0 else { throw .failed(path: path, reason: FileSystemReason.describe(errno: errno)) }
        renamed = true
        // Make the rename itself durable; failure here loses nothing already written.
        let dirFD = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); _ = close(dirFD) }
    }

    /// Checks, before any work is done, that `url` can be written by `write(_:to:followSymlinks:)`:
    /// it is absent or a regular file (or, with `followSymlinks`, a link to one), its directory exists
    /// (or can be created under an existing writable one), and a file can be created there. Nothing
    /// is left behind. Call it before a long training run so a bad `--output` fails at once.
    public static func checkWritable(_ url: URL, followSymlinks: Bool = false) throws(AtomicFileError) {
        let target = try inspectTarget(url, followSymlinks: followSymlinks)
        let path = target.url.path
        var dir = target.url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        // Walk up to the nearest existing ancestor: `write` creates the rest.
        while !FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory) {
            let parent = dir.deletingLastPathComponent()
            guard parent.path != dir.path else { break }
            dir = parent
        }
        guard isDirectory.boolValue else { throw .refused(path: path, reason: "\(dir.path) is not a directory") }
        guard dir.path == target.url.deletingLastPathComponent().path else {
            guard access(dir.path, W_OK | X_OK) == 0 else {
                throw .failed(path: path, reason: "cannot create directories in \(dir.path): \(FileSystemReason.describe(errno: errno))")
            }
            return
        }
        // Creating the temporary file is the only reliable test (permissions, read-only mounts, name length).
        let probe = temporaryURL(for: target.url)
        let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .failed(path: path, reason: FileSystemReason.describe(errno: errno)) }
        _ = close(fd)
        _ = unlink(probe.path)
    }

    /// Removes temporary files of earlier writes to `url` whose process no longer exists; returns
    /// the paths removed (so a caller can say what it cleaned up).
    @discardableResult
    public static func removeStaleTemporaries(for url: URL) -> [String] {
        let dir = url.deletingLastPathComponent()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var removed: [String] = []
        let prefix = "." + truncatedName(url.lastPathComponent) + temporaryMarker
        // Earlier versions named them `.<name>.<pid>.tmp`; those are cleaned up too.
        let legacyPrefix = "." + url.lastPathComponent + "."
        for name in names {
            let owner: Substring
            if name.hasPrefix(prefix) {
                owner = name.dropFirst(prefix.count).prefix { $0 != "-" }
            } else if name.hasPrefix(legacyPrefix), name.hasSuffix(".tmp"), name.count > legacyPrefix.count + 4 {
                owner = name.dropFirst(legacyPrefix.count).dropLast(4)
            } else {
                continue
            }
            guard let pid = pid_t(owner), pid > 0, pid != getpid() else { continue }
            // ESRCH: no such process. EPERM means it exists under another user: leave its file alone.
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let stale = dir.appendingPathComponent(name).path
            var st = stat()
            if lstat(stale, &st) == 0, st.st_mode & 0o170000 == 0o100000, unlink(stale) == 0 { removed.append(stale) }
        }
        return removed
    }

    /// A fresh temporary name next to `url` (the random part keeps concurrent writers in one process apart).
    static func temporaryURL(for url: URL) -> URL {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return url.deletingLastPathComponent()
            .appendingPathComponent("." + truncatedName(url.lastPathComponent) + temporaryMarker + "\(getpid())-" + suffix)
    }

    /// The target's name cut to 180 bytes, so the temporary name stays within the 255-byte limit.
    private static func truncatedName(_ name: String) -> String {
        var out = ""
        var bytes = 0
        for scalar in name.unicodeScalars {
            bytes += String(scalar).utf8.count
            guard bytes <= 180 else { break }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// The file a write to `url` would replace, and its permissions if it exists.
    private struct Target {
        var url: URL
        var existingMode: mode_t?
    }

    /// Refuses targets that are not regular files; resolves a link when asked to.
    private static func inspectTarget(_ url: URL, followSymlinks: Bool) throws(AtomicFileError) -> Target {
        let path = url.path
        let name = url.lastPathComponent
        guard !path.isEmpty, !name.isEmpty, name != ".", name != "..", name != "/" else {
            throw .refused(path: path, reason: "the path names a directory, not a file")
        }
        guard name.utf8.count <= 255 else { throw .failed(path: path, reason: FileSystemReason.describe(errno: ENAMETOOLONG)) }
        var st = stat()
        guard lstat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT { return Target(url: url, existingMode: nil) }
            throw .failed(path: path, reason: FileSystemReason.describe(errno: code))
        }
        switch st.st_mode & 0o170000 {
        case 0o100000: return Target(url: url, existingMode: st.st_mode)
        case 0o120000:
            guard followSymlinks else {
                throw .refused(path: path, reason: "it is a symbolic link; writing would replace the link, not the file it points to")
            }
            let resolved = url.resolvingSymlinksInPath()
            var rs = stat()
            guard resolved.path != path, lstat(resolved.path, &rs) == 0 || errno == ENOENT else {
                throw .refused(path: path, reason: "it is a symbolic link that cannot be resolved")
            }
            return try inspectTarget(resolved, followSymlinks: false)
        case 0o040000: throw .refused(path: path, reason: "it is a directory")
        case 0o020000: throw .refused(path: path, reason: "it is a character device, not a regular file")
        case 0o060000: throw .refused(path: path, reason: "it is a block device, not a regular file")
        case 0o010000: throw .refused(path: path, reason: "it is a named pipe (FIFO), not a regular file")
        case 0o140000: throw .refused(path: path, reason: "it is a socket, not a regular file")
        default: throw .refused(path: path, reason: "it is not a regular file")
        }
    }
}

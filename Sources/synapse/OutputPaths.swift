import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An output path `synapse train` will not write to, with the reason (printed as `Error: ...`).
struct OutputPathError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Up-front checks of the files a run will write, done before any data is loaded or step taken, so
/// that a bad path fails in a second instead of after the training it would have thrown away.
///
/// The library is getting its own check that a path is a replaceable regular file (in
/// `AtomicFile`); until then this is the CLI's, with `lstat` so that a symbolic link is seen as one.
enum OutputPaths {
    /// Refuses `url` when it exists and is not a regular file (`/dev/null`, a directory, a symbolic
    /// link), or is a regular file and `overwrite` is off; creates its directory if missing and
    /// refuses it when not writable. `flag` names where the path came from.
    static func checkReplaceable(_ url: URL, overwrite: Bool, flag: String) throws {
        var info = stat()
        if lstat(url.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw OutputPathError("\(flag) \(url.path) exists and is not a regular file (a device, directory or symbolic link); "
                                      + "refusing to replace it")
            }
            guard overwrite else {
                throw OutputPathError("\(flag) \(url.path) already exists; pass --overwrite to replace it, or choose another path")
            }
        } else if errno == ENOTDIR {
            throw OutputPathError("\(flag) \(url.path): a component of its directory is not a directory")
        } else if errno != ENOENT {
            throw OutputPathError("\(flag) \(url.path) cannot be checked: \(String(cString: strerror(errno)))")
        }
        try makeWritableDirectory(url.deletingLastPathComponent(), flag: flag)
    }

    /// Creates `dir` (with its parents) if missing and checks that files can be created in it.
    static func makeWritableDirectory(_ dir: URL, flag: String) throws {
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw OutputPathError("\(flag): cannot create the directory \(dir.path): \(error.localizedDescription)")
        }
        guard access(dir.path, W_OK | X_OK) == 0 else {
            throw OutputPathError("\(flag): the directory \(dir.path) is not writable")
        }
    }

    /// Creates and returns `base/<prefix>-<N>` for the smallest free N above the existing ones.
    /// `mkdir` fails on an existing directory, so two runs started together never share one.
    static func newRunDirectory(in base: URL, prefix: String) throws -> URL {
        try makeWritableDirectory(base, flag: "run directory")
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        var n = (existing.compactMap { $0.hasPrefix(prefix + "-") ? Int($0.dropFirst(prefix.count + 1)) : nil }.max() ?? 0) + 1
        while true {
            let dir = base.appendingPathComponent("\(prefix)-\(n)")
            if mkdir(dir.path, 0o755) == 0 { return dir }
            guard errno == EEXIST else {
                throw OutputPathError("cannot create the run directory \(dir.path): \(String(cString: strerror(errno)))")
            }
            n += 1
        }
    }

    /// Removes the temporary files (`.<name>.<pid>.tmp`, as `AtomicFile` names them) that a killed
    /// writer of one of `outputs` left behind; files of a live process are kept. Returns the paths removed.
    @discardableResult
    static func removeStaleTemporaries(of outputs: [URL]) -> [String] {
        var removed: [String] = []
        let byDirectory = Dictionary(grouping: outputs) { $0.deletingLastPathComponent().path }
        for (dir, urls) in byDirectory {
            let names = Set(urls.map(\.lastPathComponent))
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
                let middle = entry.dropFirst().dropLast(4)   // "<name>.<pid>"
                guard let dot = middle.lastIndex(of: "."), names.contains(String(middle[..<dot])),
                      let pid = Int32(middle[middle.index(after: dot)...]), pid != getpid() else { continue }
                // kill(pid, 0) fails with ESRCH when no such process exists: its writer is gone.
                guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
                let path = (dir as NSString).appendingPathComponent(entry)
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
            }
        }
        return removed.sorted()
    }
}

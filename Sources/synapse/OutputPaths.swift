import Foundation
import Synapse
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
/// What a replaceable file is, and which temporary files are stale, is decided by the library
/// (`AtomicFile.checkWritable`, `AtomicFile.removeStaleTemporaries`), which also writes the files;
/// this adds the CLI's `--overwrite` rule, its messages and the run directories.
enum OutputPaths {
    /// Refuses `url` when it exists and is not a regular file (`/dev/null`, a directory, a symbolic
    /// link), or is a regular file and `overwrite` is off; creates its directory if missing and
    /// refuses it when not writable. `flag` names where the path came from.
    static func checkReplaceable(_ url: URL, overwrite: Bool, flag: String) throws {
        do { try AtomicFile.checkWritable(url) } catch {
            switch error {
            case .refused(let path, let reason):
                throw OutputPathError("\(flag) \(path) exists and is not a regular file (\(reason)); refusing to replace it")
            case .failed(let path, let reason):
                throw OutputPathError("\(flag) \(path): \(reason)")
            }
        }
        var info = stat()
        if lstat(url.path, &info) == 0, !overwrite {
            throw OutputPathError("\(flag) \(url.path) already exists; pass --overwrite to replace it, or choose another path")
        }
        try makeWritableDirectory(url.deletingLastPathComponent(), flag: flag)
    }

    /// Creates `dir` (with its parents) if missing and checks that files can be created in it.
    static func makeWritableDirectory(_ dir: URL, flag: String) throws {
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw OutputPathError("\(flag): cannot create the directory \(dir.path): \(FileSystemReason.describe(error))")
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

    /// Removes the temporary files that a killed writer of one of `outputs` left behind (as
    /// `AtomicFile.removeStaleTemporaries(for:)` decides); files of a live process are kept.
    /// Returns the paths removed.
    @discardableResult
    static func removeStaleTemporaries(of outputs: [URL]) -> [String] {
        Set(outputs.map(\.standardizedFileURL)).flatMap { AtomicFile.removeStaleTemporaries(for: $0) }.sorted()
    }
}

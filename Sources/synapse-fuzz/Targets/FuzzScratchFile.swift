import Foundation

/// A per-process scratch file for targets whose reader takes a path (the CSV and time-series
/// loaders): each mutant is written there and read back as a user's file would be.
enum FuzzScratchFile {
    /// `$TMPDIR/synapse-fuzz-<pid>-<name>`.
    static func url(_ name: String) -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("synapse-fuzz-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }

    /// Writes `bytes` to the scratch file `name` and returns its URL, or nil if the write failed.
    static func write(_ bytes: [UInt8], name: String) -> URL? {
        let url = url(name)
        do { try Data(bytes).write(to: url) } catch { return nil }
        return url
    }
}

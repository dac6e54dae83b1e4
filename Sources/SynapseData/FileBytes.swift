import Foundation
import SynapseCore
import SynapseIO

/// Reads whole files for the data loaders, turning failures into `DataError`s that name the file.
enum FileBytes {
    /// The contents of the file at `url`.
    static func read(_ url: URL) throws(DataError) -> [UInt8] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw .unreadable(path: path, reason: "it is a directory") }
        do {
            let data = try Data(contentsOf: url)
            return [UInt8](data)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Atomically writes `bytes` to `url`, creating parent directories as needed.
    static func write(_ bytes: [UInt8], to url: URL) throws(DataError) {
        do {
            try AtomicFile.write(Data(bytes), to: url)
        } catch {
            throw .writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }
}

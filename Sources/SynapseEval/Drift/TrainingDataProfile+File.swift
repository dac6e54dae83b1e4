import Foundation
import SynapseIO

extension TrainingDataProfile {
    /// Where the profile of the weights at `weights` lives: beside them, named
    /// `<weights-stem>.profile.json` (`model.safetensors` → `model.profile.json`).
    public static func url(forWeights weights: URL) -> URL {
        weights.deletingPathExtension().appendingPathExtension("profile.json")
    }

    /// Writes the profile as JSON (snake_case keys) to `url`, atomically: an interrupted write
    /// leaves the previous file or none, never a partial one.
    public func write(to url: URL) throws(DriftProfileError) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw .writeFailed(path: url.path, reason: "cannot encode: \(error)")
        }
        do { try AtomicFile.write(data, to: url) } catch {
            throw .writeFailed(path: url.path, reason: "\(error)")
        }
    }

    /// Reads and checks the profile at `url`. The file is external input, so every invariant the
    /// monitor relies on is verified: the format version, consistent sizes, finite and strictly
    /// increasing edges, fractions in [0, 1] summing to 1, a sorted finite reference sample, and the
    /// bounds of `TrainingDataProfileLimits`.
    ///
    /// - Throws: `DriftProfileError` naming the file and, for a bad value, the field.
    public static func load(from url: URL) throws(DriftProfileError) -> TrainingDataProfile {
        let data = try readBounded(url)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        // Read the version alone first, so a file from a newer format says so instead of failing
        // on whichever field changed.
        struct Versioned: Decodable { var formatVersion: Int }
        let version: Int
        do { version = try decoder.decode(Versioned.self, from: data).formatVersion } catch {
            throw .malformed(path: url.path, reason: describe(error))
        }
        guard version == formatVersion else {
            throw .unsupportedVersion(path: url.path, found: version, supported: formatVersion)
        }
        let profile: TrainingDataProfile
        do { profile = try decoder.decode(TrainingDataProfile.self, from: data) } catch {
            throw .malformed(path: url.path, reason: describe(error))
        }
        do throws(ProfileProblem) { try profile.validate() } catch {
            throw .invalidField(path: url.path, field: error.field, reason: error.reason)
        }
        return profile
    }

    /// The file's bytes, refusing anything larger than `TrainingDataProfileLimits.maxFileBytes`
    /// before reading it.
    private static func readBounded(_ url: URL) throws(DriftProfileError) -> Data {
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw .unreadable(path: url.path, reason: FileManager.default.fileExists(atPath: url.path)
                              ? "\(error.localizedDescription)" : "no such file")
        }
        guard size <= TrainingDataProfileLimits.maxFileBytes else {
            throw .unreadable(path: url.path, reason: "\(size) bytes is more than the \(TrainingDataProfileLimits.maxFileBytes)-byte limit")
        }
        do { return try Data(contentsOf: url) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// A decoding error in plain words: what is wrong and at which key path.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
        }
        // The decoder reports Swift's property names; the file spells them in snake_case.
        func snakeCase(_ key: String) -> String {
            key.reduce(into: "") { out, c in
                if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
            }
        }
        switch error {
        case .dataCorrupted(let context):
            return "invalid JSON at \(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field '\(snakeCase(key.stringValue))' at \(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "field \(path(context.codingPath)) is not a valid \(type)"
        case .valueNotFound(let type, let context):
            return "field \(path(context.codingPath)) is null, expected \(type)"
        @unknown default:
            return "\(error)"
        }
    }
}

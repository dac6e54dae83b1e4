import Foundation
import SynapseEval
import SynapseIO

/// The figures of a post-hoc trust job (`synapse ood`, `synapse robustness`) as the model card
/// reads them: headline numbers (`clean_accuracy`), numbers per key (`robust_accuracy` per ε,
/// `auroc` per score) and text (`attack`, `ood_dataset`).
public struct TrustFigures: Codable, Sendable, Equatable {
    /// Single numbers.
    public var numbers: [String: Double]
    /// Numbers per key.
    public var tables: [String: [String: Double]]
    /// Text values.
    public var text: [String: String]

    /// Figures from parts.
    public init(numbers: [String: Double], tables: [String: [String: Double]], text: [String: String]) {
        self.numbers = numbers
        self.tables = tables
        self.text = text
    }
}

/// The JSON sidecar a trust job writes beside the weights (`<stem>.ood.json`,
/// `<stem>.robustness.json`): its final JSON line, so the model card can quote it.
public enum TrustSidecar: String, Sendable, CaseIterable {
    /// `synapse ood`.
    case ood
    /// `synapse robustness`.
    case robustness

    /// The largest sidecar read (a real one is a few hundred bytes).
    public static let maxBytes = 1 << 20

    /// The sidecar's path beside `weights`.
    public func url(forWeights weights: URL) -> URL {
        weights.deletingPathExtension().appendingPathExtension("\(rawValue).json")
    }

    /// Writes `figures` (a JSON object) beside `weights`, atomically, with the weights' fingerprint
    /// (`weights_crc32c`, `weights_bytes`), so figures of replaced weights are never quoted for new ones.
    public func write(_ figures: [String: Any], forWeights weights: URL) throws {
        var stamped = figures
        let (checksum, bytes) = try CalibrationFile.fingerprint(of: weights)
        stamped["weights_crc32c"] = Int(checksum)
        stamped["weights_bytes"] = bytes
        let json = try JSONSerialization.data(withJSONObject: stamped, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(json + Data("\n".utf8), to: url(forWeights: weights))
    }

    /// The sidecar beside `weights`, or nil when there is none or it was computed for other weights
    /// (its fingerprint differs from theirs: the weights were replaced since).
    /// - Throws: `PipelineError.invalidRun` naming the file when it cannot be read or is not a JSON
    ///   object of finite numbers, objects of finite numbers and short strings.
    public func read(forWeights weights: URL) throws(PipelineError) -> TrustFigures? {
        let path = url(forWeights: weights)
        guard FileManager.default.fileExists(atPath: path.path) else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: path.path)[.size] as? Int) ?? 0
        guard size <= Self.maxBytes else {
            throw .invalidRun(path: path.path, reason: "\(size) bytes; a trust sidecar is at most \(Self.maxBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path.path) else {
            throw .invalidRun(path: path.path, reason: "cannot read the \(rawValue) figures")
        }
        var figures = try Self.parse(data, path: path.path)
        guard let (checksum, bytes) = try? CalibrationFile.fingerprint(of: weights),
              figures.numbers["weights_crc32c"] == Double(checksum), figures.numbers["weights_bytes"] == Double(bytes) else { return nil }
        figures.numbers["weights_crc32c"] = nil
        figures.numbers["weights_bytes"] = nil
        return figures
    }

    /// Parses a sidecar's bytes.
    /// - Throws: `PipelineError.invalidRun` as `read(forWeights:)`.
    public static func parse(_ data: Data, path: String) throws(PipelineError) -> TrustFigures {
        func bad(_ reason: String) -> PipelineError { .invalidRun(path: path, reason: reason) }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dictionary = object as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard dictionary.count <= 256 else { throw bad("\(dictionary.count) keys; a trust sidecar has a few dozen") }
        var figures = TrustFigures(numbers: [:], tables: [:], text: [:])
        func number(_ value: Any) -> Double? {
            // JSON booleans arrive as NSNumber too (type code "c"): they are not figures.
            guard let n = value as? NSNumber, !isBoolean(n) else { return nil }
            let d = n.doubleValue
            return d.isFinite ? d : nil
        }
        // Keys and text go into Markdown lines: no empty keys, no line breaks or other control characters.
        func printable(_ s: String) -> Bool { !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
        for (key, value) in dictionary {
            guard !key.isEmpty, key.count <= 100, printable(key) else { throw bad("a key that is empty, over 100 characters or not printable") }
            if value is NSNull || value is [Any] { continue }
            if let s = value as? String {
                guard s.count <= 4096, printable(s) else { throw bad("'\(key)' holds \(s.count) characters or a control character") }
                figures.text[key] = s
            } else if let table = value as? [String: Any] {
                guard table.count <= 256 else { throw bad("'\(key)' holds \(table.count) entries") }
                var values: [String: Double] = [:]
                for (k, v) in table {
                    guard !k.isEmpty, k.count <= 100, printable(k), let d = number(v) else {
                        throw bad("'\(key)' holds an entry that is not a printable key with a finite number")
                    }
                    values[k] = d
                }
                figures.tables[key] = values
            } else if let d = number(value) {
                figures.numbers[key] = d
            } else if let n = value as? NSNumber, isBoolean(n) {
                continue
            } else {
                throw bad("'\(key)' is not a finite number, a string or an object of numbers")
            }
        }
        return figures
    }

    private static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }
}

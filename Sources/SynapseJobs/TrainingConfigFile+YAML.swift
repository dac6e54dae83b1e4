import Foundation
import SynapseCore
import Yams

/// YAML configuration files (`.yaml`, `.yml`): the same keys, types and checks as JSON ones. The
/// YAML document is parsed with Yams, mapped onto the JSON values it stands for and checked by the
/// JSON path, so both formats accept and refuse exactly the same options.
extension TrainingConfigFile {
    /// File name extensions read as YAML (compared case-insensitively); every other file is JSON.
    public static let yamlExtensions: Set<String> = ["yaml", "yml"]

    /// Whether the file at `url` is read as YAML (by its extension).
    public static func isYAML(_ url: URL) -> Bool { yamlExtensions.contains(url.pathExtension.lowercased()) }

    /// As `arguments(fromJSON:path:schema:)`, for a YAML document; `path` names it in errors.
    /// - Throws: `ConfigFileError.malformed` (invalid YAML, not a mapping, a key that is not a
    ///   string, a value JSON cannot hold), else the JSON checks' errors.
    public static func arguments(fromYAML text: String, path: String, schema: [String: ConfigValueType]) throws(ConfigFileError) -> [String] {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch {
            throw .malformed(path: path, reason: "invalid YAML (\(error))")
        }
        guard let mapping = document as? [AnyHashable: Any] else {
            throw .malformed(path: path, reason: document == nil ? "the document is empty" : "the top level is not a mapping of options")
        }
        var object: [String: Any] = [:]
        for (key, value) in mapping {
            guard let name = key.base as? String else {
                throw .malformed(path: path, reason: "the key \(key.base) is not a string (keys are the flags without their leading dashes)")
            }
            object[name] = try jsonValue(value, key: name, path: path)
        }
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: object) } catch {
            throw .malformed(path: path, reason: "the values cannot be read as options (\(error.localizedDescription))")
        }
        return try arguments(fromJSON: data, path: path, schema: schema)
    }

    /// A YAML value as the JSON value it stands for: numbers, strings, booleans, null and lists
    /// pass; a non-finite number is out of range; other values (mappings, dates, binary) become
    /// their text, which the type check then refuses with the key named.
    private static func jsonValue(_ value: Any, key: String, path: String) throws(ConfigFileError) -> Any {
        switch value {
        case let b as Bool: return b
        case let i as Int: return i
        case let d as Double:
            guard d.isFinite else { throw .outOfRange(path: path, key: key, value: "\(d)", requirement: "must be finite") }
            return d
        case let s as String: return s
        case is NSNull: return NSNull()
        case let list as [Any]:
            var out: [Any] = []
            for item in list { out.append(try jsonValue(item, key: key, path: path)) }
            return out
        case is [AnyHashable: Any]: return ["mapping": "nested"]
        default: return "\(value)"
        }
    }
}

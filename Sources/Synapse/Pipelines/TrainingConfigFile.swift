import Foundation

/// The JSON type a configuration key takes.
public enum ConfigValueType: String, Sendable {
    /// A whole number (`"epochs": 50`).
    case integer
    /// Any number (`"lr": 0.001`).
    case number
    /// A string (`"dataset": "breast-cancer"`).
    case string
    /// `true`/`false` for an on/off flag (`"no-progress": true`).
    case flag
    /// An array of whole numbers, or a comma-separated string of them (`"hidden": [64, 32]`).
    case integerList

    var description: String {
        switch self {
        case .integer: "a whole number"
        case .number: "a number"
        case .string: "a string"
        case .flag: "true or false"
        case .integerList: "an array of whole numbers"
        }
    }
}

/// A configuration file that could not be used, naming the file and the key.
public enum ConfigFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid JSON, or not a JSON object.
    case malformed(path: String, reason: String)
    /// A key that is not an option of the command.
    case unknownKey(path: String, key: String, known: [String])
    /// A value of the wrong JSON type.
    case wrongType(path: String, key: String, expected: String, found: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the configuration file: \(reason)"
        case .malformed(let path, let reason): "\(path): not a JSON object of options: \(reason)"
        case .unknownKey(let path, let key, let known):
            "\(path): unknown key \"\(key)\" (keys are the flags without their leading dashes: \(known.joined(separator: ", ")))"
        case .wrongType(let path, let key, let expected, let found): "\(path): key \"\(key)\" must be \(expected), found \(found)"
        }
    }
}

/// Training configuration from a JSON file whose keys mirror the command's flags (`"batch-size": 32`
/// for `--batch-size 32`). The file is turned into command-line arguments placed *before* the
/// explicit ones, so a flag given on the command line overrides the file (the last value of an
/// option wins). Unknown keys and values of the wrong type are refused with the key and file named.
public enum TrainingConfigFile {
    /// The keys `synapse train` accepts in a configuration file, with their types.
    public static let trainSchema: [String: ConfigValueType] = [
        "dataset": .string, "model": .string, "epochs": .integer, "batch-size": .integer, "lr": .number, "seed": .integer,
        "threads": .integer, "output": .string, "no-progress": .flag, "hidden": .integerList, "patience": .integer,
        "monitor": .string, "lr-schedule": .string, "clip-norm": .number, "checkpoint-dir": .string, "resume": .string,
        "log-dir": .string, "window": .integer,
        // Language models (text corpora).
        "steps": .integer, "context": .integer, "eval-batches": .integer, "log-every": .integer,
        "sample-length": .integer, "prompt": .string, "temperature": .number, "top-k": .integer,
    ]

    /// The command-line arguments the file at `url` stands for, in key order: `--key value` for
    /// options, `--key` for flags set to true (nothing for false).
    /// - Throws: `ConfigFileError` naming the file and, for a bad entry, the key.
    public static func arguments(from url: URL, schema: [String: ConfigValueType]) throws(ConfigFileError) -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: "\(error.localizedDescription)") }
        return try arguments(fromJSON: data, path: url.path, schema: schema)
    }

    /// As `arguments(from:schema:)`, for JSON already in memory; `path` names it in errors.
    public static func arguments(fromJSON data: Data, path: String, schema: [String: ConfigValueType]) throws(ConfigFileError) -> [String] {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .malformed(path: path, reason: "invalid JSON (\(error.localizedDescription))")
        }
        guard let entries = object as? [String: Any] else { throw .malformed(path: path, reason: "the top level is not an object") }
        var out: [String] = []
        for key in entries.keys.sorted() {
            guard let type = schema[key] else { throw .unknownKey(path: path, key: key, known: schema.keys.sorted()) }
            let value = entries[key]!
            let wrong = ConfigFileError.wrongType(path: path, key: key, expected: type.description, found: describe(value))
            switch type {
            case .flag:
                guard isBoolean(value), let b = value as? Bool ?? (value as? NSNumber)?.boolValue else { throw wrong }
                if b { out.append("--\(key)") }
            case .integer:
                guard let n = value as? NSNumber, !isBoolean(value), let i = Int(exactly: n.doubleValue) else { throw wrong }
                out += ["--\(key)", String(i)]
            case .number:
                guard let n = value as? NSNumber, !isBoolean(value), n.doubleValue.isFinite else { throw wrong }
                out += ["--\(key)", String(n.doubleValue)]
            case .string:
                guard let s = value as? String else { throw wrong }
                out += ["--\(key)", s]
            case .integerList:
                if let s = value as? String {
                    out += ["--\(key)", s]
                } else if let list = value as? [Any] {
                    var items: [String] = []
                    for item in list {
                        guard let n = item as? NSNumber, !isBoolean(item), let i = Int(exactly: n.doubleValue) else { throw wrong }
                        items.append(String(i))
                    }
                    out += ["--\(key)", items.joined(separator: ",")]
                } else {
                    throw wrong
                }
            }
        }
        return out
    }

    /// Expands `--config PATH` (or `--config=PATH`) in a `train` command line: the file's arguments
    /// are inserted right after the subcommand name, ahead of every explicit flag, which therefore
    /// override them. Other command lines come back unchanged.
    /// - Throws: `ConfigFileError`.
    public static func expand(_ arguments: [String], subcommand: String = "train",
                              schema: [String: ConfigValueType] = trainSchema) throws(ConfigFileError) -> [String] {
        guard arguments.first == subcommand else { return arguments }
        var path: String?
        for (i, a) in arguments.enumerated() {
            if a == "--config", i + 1 < arguments.count { path = arguments[i + 1] }
            if a.hasPrefix("--config=") { path = String(a.dropFirst("--config=".count)) }
        }
        guard let path else { return arguments }
        var fromFile = try Self.arguments(from: URL(fileURLWithPath: path), schema: schema)
        // A flag both in the file and on the command line would be given twice, which the parser refuses.
        fromFile.removeAll { $0.hasPrefix("--") && schema[String($0.dropFirst(2))] == .flag && arguments.contains($0) }
        return [subcommand] + fromFile + arguments.dropFirst()
    }

    private static func isBoolean(_ value: Any) -> Bool {
        // Foundation may hand JSON booleans over as Bool or as an NSNumber whose type code is "c"
        // (char) or "B"; integers 0 and 1 have other codes, so `1` is not mistaken for `true`.
        if type(of: value) == Bool.self { return true }
        guard let n = value as? NSNumber else { return false }
        let code = String(cString: n.objCType)
        return code == "c" || code == "B"
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case let s as String: "the string \"\(s)\""
        case let n as NSNumber: isBoolean(value) ? "\(n.boolValue)" : "the number \(n)"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        default: "\(value)"
        }
    }
}

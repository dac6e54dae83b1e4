import Foundation
import SynapseCore

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
    /// An image size: a whole number (`"image-size": 28`) or a string (`"image-size": "32x24"`).
    case size

    var description: String {
        switch self {
        case .integer: "a whole number"
        case .number: "a number"
        case .string: "a string"
        case .flag: "true or false"
        case .integerList: "an array of whole numbers"
        case .size: "a whole number or a string such as \"32x32\""
        }
    }
}

/// A configuration file that could not be used, naming the file and the key.
public enum ConfigFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid JSON or YAML, or not an object (mapping) of options.
    case malformed(path: String, reason: String)
    /// A key that is not an option of the command.
    case unknownKey(path: String, key: String, known: [String])
    /// A value of the wrong JSON type.
    case wrongType(path: String, key: String, expected: String, found: String)
    /// A value of the right type outside the key's range (a count of 0, a negative rate).
    case outOfRange(path: String, key: String, value: String, requirement: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the configuration file: \(reason)"
        case .malformed(let path, let reason): "\(path): not a JSON or YAML object of options: \(reason)"
        case .unknownKey(let path, let key, let known):
            "\(path): unknown key \"\(key)\" (keys are the flags without their leading dashes: \(known.joined(separator: ", ")))"
        case .wrongType(let path, let key, let expected, let found): "\(path): key \"\(key)\" must be \(expected), found \(found)"
        case .outOfRange(let path, let key, let value, let requirement):
            "\(path): key \"\(key)\": \(value) is out of range (\(requirement))"
        }
    }
}

/// Training configuration from a JSON or YAML file (`.yaml`, `.yml`) whose keys mirror the command's flags (`"batch-size": 32`
/// for `--batch-size 32`). The file is turned into command-line arguments placed *before* the
/// explicit ones, so a flag given on the command line overrides the file (the last value of an
/// option wins). Unknown keys and values of the wrong type are refused with the key and file named.
public enum TrainingConfigFile {
    /// The keys `synapse train` accepts in a configuration file, with their types.
    public static let trainSchema: [String: ConfigValueType] = [
        "dataset": .string, "model": .string, "epochs": .integer, "batch-size": .integer, "lr": .number, "seed": .integer,
        "threads": .integer, "output": .string, "no-progress": .flag, "hidden": .integerList, "patience": .integer,
        "monitor": .string, "lr-schedule": .string, "clip-norm": .number, "checkpoint-dir": .string, "resume": .string,
        "log-dir": .string, "window": .integer, "precision": .string,
        // Language models (text corpora).
        "steps": .integer, "context": .integer, "eval-batches": .integer, "log-every": .integer,
        "sample-length": .integer, "prompt": .string, "temperature": .number, "top-k": .integer,
        // Your own data: a CSV file or an image folder instead of a dataset.
        "csv": .string, "label": .string, "task": .string, "categorical": .string, "numeric": .string,
        "images": .string, "image-size": .size, "channels": .integer, "strict": .flag,
        "test-fraction": .number, "validation-fraction": .number,
        // Transfer learning (image datasets).
        "init-from": .string, "freeze-features": .flag, "hold-out-validation": .flag,
        // Adversarial training (image datasets).
        "adversarial": .string, "adversarial-eps": .number, "adversarial-norm": .string, "adversarial-steps": .integer,
        "adversarial-mix": .number,
        // Fine-tuning a pretrained encoder on labelled text.
        "finetune": .string, "lora-rank": .integer, "lora-alpha": .number, "lora-dropout": .number, "max-length": .integer,
        "train-fraction": .number, "weight-decay": .number,
        // Graphs: neighbour sampling ("10,10").
        "fanout": .string,
    ]

    /// The smallest value each numeric key accepts (whole-number keys: at least this; every count
    /// is positive, seeds and optional sizes may be 0). Keys not listed accept any finite value.
    public static let minimums: [String: Double] = [
        "epochs": 1, "batch-size": 1, "seed": 0, "threads": 1, "patience": 0, "window": 1, "hidden": 1,
        "steps": 1, "context": 1, "eval-batches": 1, "log-every": 1, "sample-length": 0, "top-k": 0, "channels": 1, "image-size": 1,
        "lora-rank": 1, "lora-dropout": 0, "max-length": 2, "weight-decay": 0, "adversarial-steps": 1, "adversarial-mix": 0,
    ]

    /// Number keys that must be strictly above 0 (rates, norms, temperatures).
    public static let positiveNumbers: Set<String> = ["lr", "clip-norm", "temperature", "test-fraction", "lora-alpha", "train-fraction",
                                                     "adversarial-eps"]

    /// The largest whole number a key accepts: counts fit comfortably in 32 bits, so that products
    /// such as batch × context cannot overflow later.
    public static let maxInteger = Int(Int32.max)

    /// The command-line arguments the file at `url` (YAML when it ends in `.yaml` or `.yml`, else
    /// JSON) stands for, in key order: `--key value` for
    /// options, `--key` for flags set to true (nothing for false).
    /// - Throws: `ConfigFileError` naming the file and, for a bad entry, the key.
    public static func arguments(from url: URL, schema: [String: ConfigValueType]) throws(ConfigFileError) -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: "\(error.localizedDescription)") }
        if isYAML(url) {
            guard let text = String(data: data, encoding: .utf8) else { throw .malformed(path: url.path, reason: "the YAML file is not UTF-8 text") }
            return try arguments(fromYAML: text, path: url.path, schema: schema)
        }
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
                guard let n = value as? NSNumber, !isBoolean(value), n.doubleValue.isFinite, n.doubleValue == n.doubleValue.rounded() else { throw wrong }
                out += ["--\(key)", String(try checkedInteger(n.doubleValue, key: key, path: path))]
            case .number:
                guard let n = value as? NSNumber, !isBoolean(value) else { throw wrong }
                let x = n.doubleValue
                guard x.isFinite else { throw .outOfRange(path: path, key: key, value: "\(x)", requirement: "must be finite") }
                if positiveNumbers.contains(key) && !(x > 0) {
                    throw .outOfRange(path: path, key: key, value: "\(x)", requirement: "must be above 0")
                }
                out += ["--\(key)", String(x)]
            case .size:
                if let s = value as? String, !s.isEmpty {
                    out += ["--\(key)", s]
                } else if let n = value as? NSNumber, !isBoolean(value), n.doubleValue.isFinite, n.doubleValue == n.doubleValue.rounded() {
                    out += ["--\(key)", String(try checkedInteger(n.doubleValue, key: key, path: path))]
                } else {
                    throw wrong
                }
            case .string:
                guard let s = value as? String else { throw wrong }
                if s.isEmpty && key != "prompt" {
                    throw .outOfRange(path: path, key: key, value: "\"\"", requirement: "must not be empty")
                }
                out += ["--\(key)", s]
            case .integerList:
                var numbers: [Double] = []
                if let s = value as? String {
                    for part in s.split(separator: ",", omittingEmptySubsequences: false) {
                        let text = part.trimmingCharacters(in: .whitespaces)
                        guard let i = Int(text) else { throw wrong }
                        numbers.append(Double(i))
                    }
                } else if let list = value as? [Any] {
                    for item in list {
                        guard let n = item as? NSNumber, !isBoolean(item), n.doubleValue.isFinite,
                              n.doubleValue == n.doubleValue.rounded() else { throw wrong }
                        numbers.append(n.doubleValue)
                    }
                } else {
                    throw wrong
                }
                guard !numbers.isEmpty else { throw .outOfRange(path: path, key: key, value: "[]", requirement: "needs at least one value") }
                var items: [String] = []
                for x in numbers { items.append(String(try checkedInteger(x, key: key, path: path))) }
                out += ["--\(key)", items.joined(separator: ",")]
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

    /// `x` (a whole number) as an `Int` within the key's range.
    private static func checkedInteger(_ x: Double, key: String, path: String) throws(ConfigFileError) -> Int {
        let minimum = minimums[key] ?? Double(Int32.min)
        let maximum = key == "seed" ? 9_007_199_254_740_992 : Double(maxInteger)    // seeds: any exactly representable whole number
        guard x >= minimum, x <= maximum else {
            throw .outOfRange(path: path, key: key, value: x.magnitude < 1e15 ? String(Int(x)) : "\(x)",
                              requirement: "must be a whole number in \(Int(minimum))...\(Int(maximum))")
        }
        return Int(x)
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

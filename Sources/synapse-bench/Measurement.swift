import Foundation

/// A JSON scalar: the value of one key of a measurement line.
enum JSONValue: Equatable, Sendable, Decodable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null

    /// Decodes any JSON scalar (objects and arrays are not used in measurement lines).
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    /// The value as a number, if it is one.
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The JSON text of the value (non-finite numbers become `null`).
    var json: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? JSONValue.format(d) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .string(let s): return JSONValue.quoted(s)
        }
    }

    /// The value as table text: strings unquoted, `null` as "–".
    var text: String {
        switch self {
        case .string(let s): return s
        case .null: return "–"
        default: return json
        }
    }

    /// Four significant digits below 1000, whole numbers above (valid JSON either way).
    static func format(_ d: Double) -> String {
        abs(d) >= 1000 ? String(format: "%.0f", d) : String(format: "%.4g", d)
    }

    /// `s` as a JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// One benchmark figure: the spec's four keys (`workload`, `threads`, `metric`, `value`) and
/// workload-specific extras (`n`, `kernel`, `p99_us`, …), printed as one JSON line.
struct Measurement: Sendable, Decodable {
    /// Workload id from the spec ("W1", "W2", …).
    var workload: String
    /// Intra-op threads the figure was measured with.
    var threads: Int
    /// What `value` measures ("GFLOP/s", "s/epoch", "p50_us", "samples/s", …).
    var metric: String
    /// The figure; nil when the workload could not be measured (see the `note` extra).
    var value: Double?
    /// Further keys, in printing order.
    var extras: [(key: String, value: JSONValue)]

    /// The order of well-known extra keys when a line is read back (JSON objects are unordered).
    private static let keyOrder = ["n", "kernel", "impl", "batch", "calls", "epochs", "steps", "context", "p99_us",
                                   "ratio_to_raw", "ratio_to_f32", "test_accuracy", "val_loss", "note"]

    /// A measurement with the given extras (kept in the order written).
    init(_ workload: String, threads: Int, metric: String, value: Double?,
         _ extras: KeyValuePairs<String, JSONValue> = [:]) {
        self.workload = workload
        self.threads = threads
        self.metric = metric
        self.value = value
        self.extras = extras.map { ($0.key, $0.value) }
    }

    /// The extra stored under `key`, if any.
    subscript(key: String) -> JSONValue? { extras.first { $0.key == key }?.value }

    /// The measurement as one line of JSON, the four spec keys first.
    var jsonLine: String {
        let fields = [("workload", JSONValue.string(workload)), ("threads", .int(threads)),
                      ("metric", .string(metric)), ("value", value.map(JSONValue.double) ?? .null)] + extras
        return "{" + fields.map { "\(JSONValue.quoted($0.0)): \($0.1.json)" }.joined(separator: ", ") + "}"
    }

    /// Reads a line printed by `jsonLine`, or returns nil if `line` is not one.
    static func parse(_ line: String) -> Measurement? {
        guard line.hasPrefix("{") else { return nil }
        return try? JSONDecoder().decode(Measurement.self, from: Data(line.utf8))
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes a measurement line; extras are ordered by `keyOrder`, then alphabetically.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        workload = try c.decode(String.self, forKey: Key(stringValue: "workload"))
        threads = try c.decode(Int.self, forKey: Key(stringValue: "threads"))
        metric = try c.decode(String.self, forKey: Key(stringValue: "metric"))
        value = try c.decodeIfPresent(Double.self, forKey: Key(stringValue: "value"))
        let core: Set = ["workload", "threads", "metric", "value"]
        let keys = c.allKeys.map(\.stringValue).filter { !core.contains($0) }.sorted { a, b in
            let (ia, ib) = (Self.keyOrder.firstIndex(of: a) ?? Int.max, Self.keyOrder.firstIndex(of: b) ?? Int.max)
            return ia != ib ? ia < ib : a < b
        }
        extras = try keys.map { ($0, try c.decode(JSONValue.self, forKey: Key(stringValue: $0))) }
    }
}
